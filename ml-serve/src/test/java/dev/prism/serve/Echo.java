package dev.prism.serve;

import java.util.Map;

/** A test deployment: echoes JSON, counts calls, says which replica answered. */
public class Echo implements HttpHandler, Reconfigurable {

  private final String greeting;
  private volatile String suffix = "";

  /** With the default greeting. */
  public Echo() {
    this("hello");
  }

  /**
   * With a greeting.
   *
   * @param greeting the greeting
   */
  public Echo(String greeting) {
    this.greeting = greeting;
  }

  @Override
  public Object handle(HttpRequest request) {
    if (request.path().equals("/fail")) {
      throw new IllegalStateException("asked to fail");
    }
    if (request.path().equals("/sleep")) {
      sleep(Long.parseLong(request.query().getOrDefault("ms", "100")));
    }
    if (request.method().equals("POST")) {
      Map<?, ?> in = request.json(Map.class);
      return Map.of("echo", in, "replica", replica());
    }
    return Map.of("greeting", greeting + suffix, "path", request.path(), "replica", replica());
  }

  /**
   * A method for handle calls.
   *
   * @param name who to greet
   * @return the greeting
   */
  public String greet(String name) {
    return greeting + suffix + ", " + name;
  }

  /**
   * Sleeps, then answers which replica it ran on.
   *
   * @param millis how long
   * @return the replica id
   */
  public String slow(Long millis) {
    sleep(millis);
    return replica();
  }

  /**
   * Fails.
   *
   * @param why the message
   * @return never
   */
  public String boom(String why) {
    throw new IllegalArgumentException(why);
  }

  /**
   * Which replica and process answer.
   *
   * @return {@code replicaId:pid}
   */
  public String whoami() {
    return replica() + ":" + ProcessHandle.current().pid();
  }

  @Override
  public void reconfigure(Map<String, Object> userConfig) {
    suffix = String.valueOf(userConfig.getOrDefault("suffix", ""));
  }

  static String replica() {
    return ReplicaContext.current().map(ReplicaContext::replicaId).orElse("?");
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
