package dev.prism.runtime.spi;

import java.util.List;
import java.util.Objects;

/**
 * A named concurrency group of an actor, as the API validated it.
 *
 * @param name the group's name (not blank, not the default group's)
 * @param maxConcurrency how many of its calls may run at once (1 or more)
 * @param methods the actor methods whose calls run in it (besides annotated ones)
 */
public record ConcurrencyGroupSettings(
    String name, int maxConcurrency, List<FunctionDescriptor> methods) {

  /**
   * Copies the methods.
   *
   * @param name the name
   * @param maxConcurrency the limit
   * @param methods the methods
   */
  public ConcurrencyGroupSettings {
    Objects.requireNonNull(name, "name");
    methods = List.copyOf(methods);
  }
}
