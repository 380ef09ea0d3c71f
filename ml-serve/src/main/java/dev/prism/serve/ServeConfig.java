package dev.prism.serve;

import java.util.Objects;

/**
 * How Serve runs on a cluster: where its HTTP proxies listen and what they accept (Ray Serve's
 * {@code http_options} and {@code proxy_location}).
 *
 * @param host the address the head-only proxy binds (every-node proxies bind their node's address)
 * @param port the port, 0 for any free one (see {@link ServeStatus#proxies()})
 * @param proxyLocation where proxies run
 * @param maxBodyBytes the largest request body accepted (413 beyond)
 * @param headerTimeoutMillis how long a client may take to send a request's headers before the
 *     connection is closed
 * @param idleTimeoutMillis how long a keep-alive connection may stay idle
 */
public record ServeConfig(
    String host,
    int port,
    ProxyLocation proxyLocation,
    int maxBodyBytes,
    long headerTimeoutMillis,
    long idleTimeoutMillis) {

  /**
   * Validates.
   *
   * @param host host
   * @param port port
   * @param proxyLocation location
   * @param maxBodyBytes body bound
   * @param headerTimeoutMillis header timeout
   * @param idleTimeoutMillis idle timeout
   */
  public ServeConfig {
    if (Objects.requireNonNull(host, "host").isBlank()) {
      throw new IllegalArgumentException("host is blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not within 0..65535");
    }
    Objects.requireNonNull(proxyLocation, "proxyLocation");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes is " + maxBodyBytes + "; it must be >= 1");
    }
    if (headerTimeoutMillis < 1 || idleTimeoutMillis < 1) {
      throw new IllegalArgumentException(
          "headerTimeoutMillis ("
              + headerTimeoutMillis
              + ") and idleTimeoutMillis ("
              + idleTimeoutMillis
              + ") must be >= 1");
    }
  }

  /**
   * The defaults: 127.0.0.1:8000 on the head only, 10 MiB bodies, 10 s for headers, 60 s idle.
   *
   * @return them
   */
  public static ServeConfig defaults() {
    return new ServeConfig("127.0.0.1", 8000, ProxyLocation.HEAD_ONLY, 10 << 20, 10_000, 60_000);
  }

  /**
   * These settings on another port.
   *
   * @param port the port, 0 for any free one
   * @return the new config
   */
  public ServeConfig withPort(int port) {
    return new ServeConfig(
        host, port, proxyLocation, maxBodyBytes, headerTimeoutMillis, idleTimeoutMillis);
  }

  /**
   * These settings with proxies elsewhere.
   *
   * @param location where
   * @return the new config
   */
  public ServeConfig withProxyLocation(ProxyLocation location) {
    return new ServeConfig(
        host, port, location, maxBodyBytes, headerTimeoutMillis, idleTimeoutMillis);
  }

  /**
   * These settings with another body bound.
   *
   * @param bytes the largest body
   * @return the new config
   */
  public ServeConfig withMaxBodyBytes(int bytes) {
    return new ServeConfig(
        host, port, proxyLocation, bytes, headerTimeoutMillis, idleTimeoutMillis);
  }
}
