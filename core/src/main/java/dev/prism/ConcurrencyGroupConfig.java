package dev.prism;

import dev.prism.runtime.spi.ConcurrencyGroupSettings;
import dev.prism.runtime.spi.FunctionDescriptor;
import java.util.List;
import java.util.Objects;

/**
 * A named concurrency group of an actor, as {@link ConcurrencyGroupBuilder} builds it: its name,
 * how many of its calls may run at once, and the methods whose calls run in it. Give it to {@link
 * ActorCreator#setConcurrencyGroup(ConcurrencyGroupConfig)}. Immutable.
 *
 * <p>Each group has its own calls at once and its own threads: a group whose calls all wait never
 * holds up the calls of another group, nor those of the default group. In a group of 1, calls run
 * one at a time in the order they arrive; above 1, on virtual threads, order not kept. An async
 * method (one returning a {@code CompletionStage}) counts in its group until its stage completes.
 *
 * @param <A> the actor class (or a supertype of it) whose methods are listed
 */
public final class ConcurrencyGroupConfig<A> {

  private final String name;
  private final int maxConcurrency;
  private final List<FunctionDescriptor> methods;

  ConcurrencyGroupConfig(String name, int maxConcurrency, List<FunctionDescriptor> methods) {
    this.name = checkName(name);
    this.maxConcurrency = checkLimit(name, maxConcurrency);
    this.methods = List.copyOf(methods);
  }

  /**
   * The group's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * How many of the group's calls may run at once.
   *
   * @return 1 or more
   */
  public int maxConcurrency() {
    return maxConcurrency;
  }

  /**
   * The names of the methods listed for the group (as {@code Class.method}).
   *
   * @return the method names, in the order they were added
   */
  public List<String> methodNames() {
    return methods.stream().map(FunctionDescriptor::displayName).toList();
  }

  /** The group as the runtime takes it. */
  ConcurrencyGroupSettings settings() {
    return new ConcurrencyGroupSettings(name, maxConcurrency, methods);
  }

  List<FunctionDescriptor> methods() {
    return methods;
  }

  /** Checks a group name: not null, not blank, not the default group's. */
  static String checkName(String name) {
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException(
          "a concurrency group's name is blank; give each group a name, e.g. \"io\"");
    }
    if (name.equals(ConcurrencyGroup.DEFAULT)) {
      throw new IllegalArgumentException(
          "a concurrency group is named \""
              + name
              + "\", the name of the default group (set its limit with setMaxConcurrency); choose"
              + " another name");
    }
    return name;
  }

  private static int checkLimit(String name, int maxConcurrency) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException(
          "concurrency group \""
              + name
              + "\" has max concurrency "
              + maxConcurrency
              + "; give 1 or more");
    }
    return maxConcurrency;
  }

  @Override
  public String toString() {
    return "ConcurrencyGroup(" + name + ", " + maxConcurrency + ", " + methodNames() + ")";
  }
}
