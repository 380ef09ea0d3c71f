package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.runtime.dashboard.NodeLogRoutes;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.logging.LogTail;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads the log of a node on any machine through that node's HTTP server ({@link NodeLogRoutes}):
 * the node's URL comes from the GCS's key-value store, the request carries the cluster token, and
 * with TLS the node must present a certificate the cluster's CA signed for the cluster's server
 * name ({@link TlsConfig#SERVER_NAME}), as the nodes' gRPC clients require.
 */
final class RemoteLogs {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONNECT_MILLIS = 5_000;
  private static final int READ_MILLIS = 30_000;

  private final ClusterToken token;
  private final SSLContext ssl;

  /**
   * @param token the cluster token
   * @param tls the cluster's TLS files, or empty for plain HTTP
   */
  RemoteLogs(ClusterToken token, Optional<TlsConfig> tls) {
    this.token = token;
    this.ssl = tls.map(RemoteLogs::trustingClusterCa).orElse(null);
  }

  /**
   * The HTTP URL a node published.
   *
   * @throws CliException when the node published none (it is not running, or older)
   */
  static String urlOf(GcsClient gcs, String nodeId) {
    return gcs.kvGet(NodeLogRoutes.KV_NAMESPACE, nodeId)
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .orElseThrow(
            () ->
                CliException.failure(
                    "logs: node "
                        + nodeId
                        + " published no HTTP address in the cluster, so its log cannot be read"
                        + " from here; read it on its machine with 'prism logs --node "
                        + nodeId
                        + "'"));
  }

  /**
   * The last lines of a node's log.
   *
   * @param url the node's HTTP URL
   * @param tail at most this many lines (0: all)
   * @param pids only these workers' lines; empty for all
   */
  LogTail.Chunk last(String url, int tail, Collection<Long> pids) {
    return fetch(url, "tail=" + tail + pidQuery(pids));
  }

  /** The lines of a node's log completed after an offset (see {@link LogTail#after}). */
  LogTail.Chunk after(String url, long offset, Collection<Long> pids) {
    return fetch(url, "offset=" + offset + pidQuery(pids));
  }

  private static String pidQuery(Collection<Long> pids) {
    return pids.isEmpty()
        ? ""
        : "&pid=" + pids.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private LogTail.Chunk fetch(String url, String query) {
    String target = url + NodeLogRoutes.PATH + "?" + query;
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) URI.create(target).toURL().openConnection();
      if (c instanceof HttpsURLConnection https) {
        if (ssl == null) {
          throw CliException.failure(
              "logs: the node at "
                  + url
                  + " speaks HTTPS but no cluster TLS files were found here: give them as"
                  + " PRISM_TLS_CERT, PRISM_TLS_KEY and PRISM_TLS_CA");
        }
        https.setSSLSocketFactory(ssl.getSocketFactory());
        https.setHostnameVerifier(RemoteLogs::namesTheCluster);
      }
      c.setConnectTimeout(CONNECT_MILLIS);
      c.setReadTimeout(READ_MILLIS);
      c.setRequestProperty("Authorization", "Bearer " + token.secret());
      int status = c.getResponseCode();
      InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
      byte[] body = in == null ? new byte[0] : in.readAllBytes();
      if (status != 200) {
        throw CliException.failure(
            "logs: the node at "
                + url
                + " answered "
                + status
                + ": "
                + new String(body, StandardCharsets.UTF_8).strip());
      }
      JsonNode json = JSON.readTree(body);
      List<String> lines = new ArrayList<>();
      json.path("lines").forEach(l -> lines.add(l.asText()));
      return new LogTail.Chunk(lines, json.path("offset").asLong());
    } catch (IOException e) {
      throw CliException.failure(
          "logs: cannot read the log from the node at " + url + ": " + e.getMessage());
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  /**
   * Accepts a node whose certificate (already checked against the cluster's CA) names the cluster's
   * server name: nodes share one certificate, which cannot name every node's address.
   */
  private static boolean namesTheCluster(String host, SSLSession session) {
    try {
      if (!(session.getPeerCertificates()[0] instanceof X509Certificate cert)) {
        return false;
      }
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      return names != null
          && names.stream()
              .anyMatch(
                  n -> n.size() > 1 && TlsConfig.SERVER_NAME.equals(String.valueOf(n.get(1))));
    } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
      return false;
    }
  }

  private static SSLContext trustingClusterCa(TlsConfig tls) {
    try (InputStream in = Files.newInputStream(tls.ca())) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("prism-ca-" + i++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw CliException.failure(
          "logs: cannot read the cluster's CA file " + tls.ca() + ": " + e.getMessage());
    }
  }
}
