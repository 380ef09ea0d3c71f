package dev.prism.runtime.net;

import dev.prism.runtime.security.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Tells why a call to a Prism server failed when TLS is the cause: the server speaks TLS and this
 * process does not, or the reverse, or both do and the handshake failed (certificates of different
 * authorities). Used after a failed first call, to replace gRPC's "connection closed" with what to
 * do. The probe starts a TLS handshake that trusts any certificate and sends no data: a TLS server
 * answers it with its own handshake messages (then refuses the missing client certificate), a
 * plain-text HTTP/2 server with bytes that are no TLS record.
 */
public final class TlsProbe {

  private TlsProbe() {}

  /**
   * Whether the server at {@code host:port} speaks TLS.
   *
   * @param host the host
   * @param port the port
   * @param timeoutMillis how long to connect and wait for its answer
   * @return true for TLS, false for plain text, empty when it cannot tell (no answer)
   */
  public static Optional<Boolean> speaksTls(String host, int port, int timeoutMillis) {
    SSLContext trustAll;
    try {
      trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new AnyCertificate()}, null);
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(host, port), timeoutMillis);
      raw.setSoTimeout(timeoutMillis);
      try (SSLSocket s =
          (SSLSocket) trustAll.getSocketFactory().createSocket(raw, host, port, false)) {
        s.startHandshake();
        return Optional.of(true);
      }
    } catch (SSLHandshakeException e) {
      // A TLS server that refused this handshake (no client certificate): it speaks TLS.
      return Optional.of(String.valueOf(e.getMessage()).contains("alert") || isTlsAlert(e));
    } catch (SSLException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("Unsupported or unrecognized SSL message")
          || m.contains("plaintext connection")) {
        return Optional.of(false);
      }
      return isTlsAlert(e) ? Optional.of(true) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean isTlsAlert(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("Received fatal alert")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Explains a failed first call to the server at {@code address} when TLS is why.
   *
   * @param address {@code host:port}
   * @param who "this node", "this driver", ...
   * @param failure the call's failure
   * @return the explanation, or empty when TLS is not the cause (or the probe cannot tell)
   */
  public static Optional<String> explain(String address, String who, Throwable failure) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    String host = address.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    boolean mine = Rpc.usesTls();
    Optional<Boolean> theirs = speaksTls(host, port, 3000);
    if (theirs.isEmpty()) {
      return Optional.empty();
    }
    if (theirs.get() && !mine) {
      return Optional.of(
          "the cluster at "
              + address
              + " uses TLS and "
              + who
              + " does not: give it the cluster's TLS files (copies of the head's session files "
              + TlsConfig.CERT_FILE
              + ", "
              + TlsConfig.KEY_FILE
              + ", "
              + TlsConfig.CA_FILE
              + ") with --tls-cert/--tls-key/--tls-ca or "
              + TlsConfig.ENV_CERT
              + "/"
              + TlsConfig.ENV_KEY
              + "/"
              + TlsConfig.ENV_CA);
    }
    if (!theirs.get() && mine) {
      return Optional.of(
          "the cluster at "
              + address
              + " does not use TLS, but "
              + who
              + " does ("
              + TlsConfig.process().map(t -> "certificate " + t.cert()).orElse("")
              + "): start the cluster with --tls, or leave TLS off here");
    }
    if (theirs.get()) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof SSLException || String.valueOf(t.getMessage()).contains("SSL")) {
          return Optional.of(
              "the TLS handshake with the cluster at "
                  + address
                  + " failed ("
                  + t.getMessage()
                  + "): its certificate and "
                  + who
                  + "'s must be signed by the same authority (--tls-ca / "
                  + TlsConfig.ENV_CA
                  + ") and name "
                  + TlsConfig.SERVER_NAME);
        }
      }
    }
    return Optional.empty();
  }

  /** Trusts any certificate: the probe only asks whether the peer speaks TLS at all. */
  private static final class AnyCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
