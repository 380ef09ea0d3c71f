package dev.prism.serve.internal;

import dev.prism.serve.HttpResponse;
import dev.prism.serve.ServeConfig;
import io.helidon.http.Header;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A Serve HTTP proxy (an actor, one per node or one on the head): Helidon SE's web server, each
 * request on its own virtual thread, which waits on the replica's answer through the deployment's
 * router. HTTP/1.1 with keep-alive, and HTTP/2 (h2c, by upgrade or prior knowledge) on the same
 * port.
 */
public final class ProxyActor {

  /** Helidon logs its start at INFO through java.util.logging; a proxy says less. */
  private static final java.util.logging.Logger HELIDON_LOG =
      java.util.logging.Logger.getLogger("io.helidon");

  private final WebServer server;
  private final String url;
  private final ProxyCore core;

  /**
   * Starts the server.
   *
   * @param config Serve's settings
   * @param host the address to bind
   */
  public ProxyActor(ServeConfig config, String host) {
    HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
    ServeClient client = ServeClient.get();
    ServeMetrics metrics = new ServeMetrics(client);
    this.core = new ProxyCore(client, metrics);
    this.server =
        WebServer.builder()
            .host(host)
            .port(config.port())
            .maxPayloadSize(config.maxBodyBytes())
            .idleConnectionTimeout(Duration.ofMillis(config.idleTimeoutMillis()))
            .connectionOptions(o -> o.readTimeout(Duration.ofMillis(config.headerTimeoutMillis())))
            .routing(r -> r.any(this::serve))
            .build()
            .start();
    this.url = "http://" + host + ":" + server.port();
  }

  private void serve(ServerRequest req, ServerResponse res) {
    Map<String, String> headers = new HashMap<>();
    for (Header h : req.headers()) {
      headers.merge(h.name().toLowerCase(Locale.ROOT), h.get(), (a, b) -> a + ", " + b);
    }
    Map<String, String> query = new HashMap<>();
    for (String name : req.query().names()) {
      query.put(name, req.query().get(name));
    }
    byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    HttpResponse r =
        core.handle(req.prologue().method().text(), req.path().path(), query, headers, body);
    res.status(Status.create(r.status()));
    res.header("Content-Type", r.contentType());
    r.headers().forEach(res::header);
    res.send(r.body());
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
