package dev.prism;

import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.Runtimes;
import java.util.Objects;

/**
 * A call of an actor method being prepared: set options, then {@link #remote()} submits it. Made by
 * {@code handle.task(...)}; not thread-safe, use each caller once.
 *
 * @param <R> the result type ({@link Void} for void methods)
 */
public final class ActorTaskCaller<R> {

  private final ActorHandle<?> handle;
  private final FunctionDescriptor function;
  private final Object[] args;
  private String name;
  private String concurrencyGroup;

  ActorTaskCaller(
      ActorHandle<?> handle, FunctionDescriptor function, Object[] args, boolean async) {
    if (!async && returnsStage(function)) {
      throw new PrismException(
          function.displayName()
              + " returns a CompletionStage: call it"
              + " with handle.taskAsync(...), whose result ref holds the stage's value");
    }
    this.handle = handle;
    this.function = function;
    this.args = args;
  }

  private static boolean returnsStage(FunctionDescriptor f) {
    String sig = f.signature();
    return sig.endsWith(")Ljava/util/concurrent/CompletableFuture;")
        || sig.endsWith(")Ljava/util/concurrent/CompletionStage;");
  }

  /**
   * Names the call in errors and logs (default: the actor's class and the method).
   *
   * @param name the name
   * @return this caller
   */
  public ActorTaskCaller<R> setName(String name) {
    this.name = name;
    return this;
  }

  /**
   * Runs this call in a concurrency group the actor declared (see {@link
   * ActorCreator#setConcurrencyGroup(String, int)}), whatever group its method is in; {@value
   * ConcurrencyGroup#DEFAULT} runs it in the default group (default: the method's group).
   *
   * @param group the group's name
   * @return this caller
   * @throws IllegalArgumentException if the name is blank
   */
  public ActorTaskCaller<R> setConcurrencyGroup(String group) {
    if (Objects.requireNonNull(group, "group").isBlank()) {
      throw new IllegalArgumentException(
          "the concurrency group is blank; name a group the actor declared, or \""
              + ConcurrencyGroup.DEFAULT
              + "\"");
    }
    this.concurrencyGroup = group;
    return this;
  }

  /**
   * Submits the call. Returns at once with the ref of its future result; the call runs after the
   * calls this process made to the actor before it. If the actor is dead, getting the result throws
   * {@link ActorDiedException} saying why.
   *
   * @return the result's ref, owned by the caller
   * @throws PendingCallsLimitExceededException if the actor's max pending calls are reached
   * @throws IllegalArgumentException if the call names a concurrency group the actor does not
   *     declare
   * @throws PrismSerializationException if an argument cannot be serialized (naming its type)
   * @throws IllegalArgumentException if an argument's type does not fit its parameter (possible
   *     only through raw types or unchecked casts)
   * @throws PrismException if Prism is not initialized, or the method is not one of the actor's
   *     class
   */
  @SuppressWarnings("unchecked")
  public ObjectRef<R> remote() {
    ArgumentCheck.check(function, args);
    return (ObjectRef<R>) Runtimes.get().callActor(handle, function, args, name, concurrencyGroup);
  }
}
