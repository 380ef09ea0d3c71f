package dev.prism.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP server with the cluster's TLS files ({@code prism start --tls}): HTTPS with the cluster
 * certificate, checked by a client that trusts only the cluster's CA and verifies the server name;
 * the token still needed; the session cookie marked Secure; plain HTTP and a client that does not
 * trust the CA get no answer.
 */
@Timeout(60)
class HttpsServerTest {

  private static final ClusterToken TOKEN =
      ClusterToken.of("a-test-token-of-32-characters-ok", "test");

  @TempDir static Path dir;
  private static TlsConfig files;
  private static HttpServer server;

  @BeforeAll
  static void start() {
    files = TlsConfig.generate(dir);
    server =
        HttpServer.builder("127.0.0.1", 0, TOKEN)
            .route("GET", "/api/v0/hello", r -> Response.json(Map.of("hello", "tls")))
            .tls(Optional.of(files))
            .start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void servesHttpsWithTheClusterCertificateAndStillNeedsTheToken() throws Exception {
    assertThat(server.url()).isEqualTo("https://127.0.0.1:" + server.port());

    String ok = exchange(trustingTheClusterCa(), get("/api/v0/hello", "Bearer " + TOKEN.secret()));
    assertThat(ok).startsWith("HTTP/1.1 200").contains("{\"hello\":\"tls\"}");

    String refused = exchange(trustingTheClusterCa(), get("/api/v0/hello", null));
    assertThat(refused).startsWith("HTTP/1.1 401");
  }

  @Test
  void theLoginCookieIsSecure() throws Exception {
    byte[] form = ("token=" + TOKEN.secret()).getBytes(StandardCharsets.US_ASCII);
    String login =
        exchange(
            trustingTheClusterCa(),
            "POST /login HTTP/1.1\r\nHost: prism-cluster\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                + form.length
                + "\r\n\r\n"
                + new String(form, StandardCharsets.US_ASCII));
    assertThat(login).startsWith("HTTP/1.1 303");
    assertThat(login.lines().filter(l -> l.toLowerCase().startsWith("set-cookie:")).findFirst())
        .get()
        .asString()
        .contains("HttpOnly", "SameSite=Strict", "; Secure");
  }

  @Test
  void plainHttpAndUntrustingClientsGetNoAnswer() throws Exception {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
      plain.setSoTimeout(10_000);
      plain.getOutputStream().write(get("/api/v0/hello", null).getBytes(StandardCharsets.US_ASCII));
      String answer = new String(readAll(plain.getInputStream()), StandardCharsets.ISO_8859_1);
      assertThat(answer).doesNotStartWith("HTTP/1.1");
    }

    SSLContext defaultTrust = SSLContext.getInstance("TLS");
    defaultTrust.init(null, null, null); // the JDK's CAs, which never signed the cluster's
    assertThatThrownBy(() -> exchange(defaultTrust, get("/api/v0/hello", null)))
        .isInstanceOf(SSLHandshakeException.class);
  }

  /**
   * A certificate generated for a head also names its address, so a client that checks the URL's
   * host, as browsers and the JDK's HttpClient do, accepts it once it trusts the cluster's CA.
   */
  @Test
  void aCertificateGeneratedForTheHeadsAddressPassesAStandardHttpsClient(@TempDir Path other)
      throws Exception {
    TlsConfig forHead = TlsConfig.generate(other, List.of("127.0.0.1"));
    HttpServer head =
        HttpServer.builder("127.0.0.1", 0, TOKEN)
            .route("GET", "/api/v0/hello", r -> Response.json(Map.of("hello", "head")))
            .tls(Optional.of(forHead))
            .start();
    try {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(trusting(forHead))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create(head.url() + "/api/v0/hello"))
                  .header("Authorization", "Bearer " + TOKEN.secret())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("head");
      // The certificate made without the address fails the same client's name check.
      HttpClient strict = HttpClient.newBuilder().sslContext(trusting(files)).build();
      assertThatThrownBy(
              () ->
                  strict.send(
                      HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/hello"))
                          .timeout(Duration.ofSeconds(10))
                          .build(),
                      HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.io.IOException.class);
    } finally {
      head.close();
    }
  }

  private static String get(String path, String authorization) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: prism-cluster\r\nConnection: close\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
        + "\r\n";
  }

  /** A TLS context that trusts only the cluster's CA file. */
  private static SSLContext trustingTheClusterCa() throws Exception {
    return trusting(files);
  }

  private static SSLContext trusting(TlsConfig files) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(files.ca())) {
      trust.setCertificateEntry(
          "prism-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * One request over TLS to the server, verifying its certificate names the cluster's server name
   * (the generated certificate's, {@link TlsConfig#SERVER_NAME}) as HTTPS clients do.
   */
  private static String exchange(SSLContext ctx, String request) throws IOException {
    Socket tcp = new Socket();
    tcp.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
    try (SSLSocket tls =
        (SSLSocket)
            ctx.getSocketFactory().createSocket(tcp, TlsConfig.SERVER_NAME, server.port(), true)) {
      tls.setSoTimeout(10_000);
      SSLParameters p = tls.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setSSLParameters(p);
      tls.startHandshake();
      tls.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      tls.getOutputStream().flush();
      return new String(readAll(tls.getInputStream()), StandardCharsets.UTF_8);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (java.net.SocketException e) {
      // the server reset a connection that did not speak TLS: what was read is the answer
    }
    return out.toByteArray();
  }
}
