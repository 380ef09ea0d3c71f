package dev.prism.serve.internal;

import dev.prism.serve.ServeConfig;

/**
 * A Serve HTTP proxy (an actor, one per node or one on the head): a Netty server whose requests go
 * through the deployment's router to a replica, asynchronously. HTTP/1.1 with keep-alive, and
 * HTTP/2 (h2c, by upgrade or prior knowledge) on the same port.
 */
public final class ProxyActor {

  private final NettyHttpServer server;
  private final String url;

  /**
   * Starts the server.
   *
   * @param config Serve's settings
   * @param host the address to bind
   * @throws InterruptedException if interrupted while binding
   */
  public ProxyActor(ServeConfig config, String host) throws InterruptedException {
    ServeClient client = ServeClient.get();
    ProxyCore core = new ProxyCore(client);
    this.server = new NettyHttpServer(config, host, core::handle);
    this.url = "http://" + host + ":" + server.port();
  }

  /**
   * The proxy's base URL.
   *
   * @return {@code http://host:port}
   */
  public String url() {
    return url;
  }
}
