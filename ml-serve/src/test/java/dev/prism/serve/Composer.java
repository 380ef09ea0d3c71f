package dev.prism.serve;

import java.time.Duration;
import java.util.Map;

/** An ingress that calls another deployment through a handle (composition). */
public class Composer implements HttpHandler {

  private final DeploymentHandle<Echo> echo;

  /**
   * With the handle the application binds.
   *
   * @param echo the downstream deployment
   */
  public Composer(DeploymentHandle<Echo> echo) {
    this.echo = echo;
  }

  @Override
  public Object handle(HttpRequest request) {
    String name = request.query().getOrDefault("name", "nobody");
    String greeting = echo.call(Echo::greet, name).result(Duration.ofSeconds(30));
    String who = echo.call(Echo::whoami).result(Duration.ofSeconds(30));
    return Map.of("composed", greeting, "downstream", who, "me", Echo.replica());
  }
}
