package dev.prism.runtime.spi;

import dev.prism.PrismException;
import dev.prism.function.PrismFunc;
import dev.prism.runtime.function.FunctionResolver;
import java.util.Objects;

/**
 * Turns the method references the API is given into {@link FunctionDescriptor}s. Works without an
 * initialized runtime.
 */
public final class Functions {

  private Functions() {}

  /**
   * Resolves the static method that {@code Prism.task} runs.
   *
   * @param function the method reference, e.g. {@code Jobs::add}
   * @return the descriptor
   * @throws NullPointerException if {@code function} is null
   * @throws PrismException naming the problem and what to do, if it cannot run as a task
   */
  public static FunctionDescriptor task(PrismFunc function) {
    return FunctionResolver.resolveTask(Objects.requireNonNull(function, "function"));
  }

  /**
   * Resolves the instance method an actor call runs.
   *
   * @param method the unbound method reference, e.g. {@code Counter::inc}
   * @return the descriptor
   * @throws NullPointerException if {@code method} is null
   * @throws PrismException naming the problem and what to do, if it cannot run on an actor
   */
  public static FunctionDescriptor actorMethod(PrismFunc method) {
    return FunctionResolver.resolveActorMethod(Objects.requireNonNull(method, "method"));
  }

  /**
   * Resolves what creates an actor: a constructor ({@code Counter::new}) or a static factory.
   *
   * @param factory the reference
   * @return the descriptor
   * @throws NullPointerException if {@code factory} is null
   * @throws PrismException naming the problem and what to do, if it cannot create an actor
   */
  public static FunctionDescriptor actorFactory(PrismFunc factory) {
    return FunctionResolver.resolveActorFactory(Objects.requireNonNull(factory, "factory"));
  }
}
