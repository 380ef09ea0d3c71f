package dev.prism.serve.config;

import dev.prism.serve.Application;
import dev.prism.serve.Deployment;
import dev.prism.serve.DeploymentHandle;
import dev.prism.serve.Echo;
import dev.prism.serve.HttpHandler;
import dev.prism.serve.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Application builders for config files' import paths (the test's own, Ray's app builders). */
public final class GreeterApp {

  private GreeterApp() {}

  /** An ingress that greets through a handle to an {@link Echo}. */
  public static final class Greeter implements HttpHandler {
    private final DeploymentHandle<Echo> echo;

    /**
     * With the echo to call.
     *
     * @param echo the handle
     */
    public Greeter(DeploymentHandle<Echo> echo) {
      this.echo = echo;
    }

    @Override
    public Object handle(HttpRequest request) {
      String name = request.query().getOrDefault("name", "you");
      return Map.of("message", echo.call(Echo::greet, name).result(Duration.ofSeconds(60)));
    }
  }

  /** An ingress bound to the same application twice (two handles to one deployment). */
  public static final class Pair {
    /**
     * With two handles.
     *
     * @param a one
     * @param b the other
     */
    public Pair(DeploymentHandle<Echo> a, DeploymentHandle<Echo> b) {}
  }

  /**
   * Greeter over an Echo of two replicas, greeting with {@code args.greeting}.
   *
   * @param args the config file's args
   * @return the application
   */
  public static Application build(Map<String, Object> args) {
    Application echo =
        Deployment.builder(Echo.class)
            .numReplicas(2)
            .maxOngoingRequests(7)
            .build()
            .bind(String.valueOf(args.getOrDefault("greeting", "hello")));
    return Deployment.builder(Greeter.class).build().bind(echo);
  }

  /**
   * An Echo named Plain, without args.
   *
   * @return the application
   */
  public static Application plain() {
    return Deployment.builder(Echo.class).name("Plain").build().bind();
  }

  /**
   * Overloaded: the config's args, when given, go to {@link #plain(Map)}.
   *
   * @param args the args
   * @return an Echo named Plain greeting with {@code args.greeting}
   */
  public static Application plain(Map<String, Object> args) {
    return Deployment.builder(Echo.class)
        .name("Plain")
        .build()
        .bind(String.valueOf(args.get("greeting")));
  }

  /**
   * One Echo application shared by two arguments.
   *
   * @return the application
   */
  public static Application shared() {
    Application echo = Deployment.builder(Echo.class).build().bind("x");
    return Deployment.builder(Pair.class).build().bind(echo, echo);
  }

  /**
   * Not an application builder.
   *
   * @return a list
   */
  public static List<String> notAnApp() {
    return List.of();
  }

  /**
   * A builder that fails.
   *
   * @return never
   */
  public static Application fails() {
    throw new IllegalStateException("cannot build");
  }
}
