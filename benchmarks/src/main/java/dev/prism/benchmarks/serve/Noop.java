package dev.prism.benchmarks.serve;

import dev.prism.serve.HttpHandler;
import dev.prism.serve.HttpRequest;
import dev.prism.serve.HttpResponse;
import java.nio.charset.StandardCharsets;

/** The no-op deployment of Ray Serve's own benchmarks: answers {@code {"ok": true}}. */
public final class Noop implements HttpHandler {

  private static final HttpResponse OK =
      HttpResponse.of(200, "application/json", "{\"ok\": true}".getBytes(StandardCharsets.UTF_8));

  /** Creates the replica's instance. */
  public Noop() {}

  @Override
  public Object handle(HttpRequest request) {
    return OK;
  }
}
