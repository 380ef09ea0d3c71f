/**
 * Prism's public API: start or join a cluster ({@link dev.prism.Prism#init(PrismConfig)}), run
 * remote tasks ({@code Prism.task(...)}) and actors ({@code Prism.actor(...)}), and put, get and
 * wait for objects ({@link dev.prism.ObjectRef}). Method references name what runs remotely; their
 * functional interfaces are in {@link dev.prism.function}. This package reaches the runtime only
 * through {@code dev.prism.runtime.spi}.
 *
 * <p>This package (with {@link dev.prism.function}) is the only one applications and Prism's
 * libraries may use; everything under {@code dev.prism.runtime} is the implementation and may
 * change without notice.
 *
 * <h2>Nulls</h2>
 *
 * <p>A parameter takes null only where its documentation says so (an argument value of a remote
 * call, {@link dev.prism.Prism#put(Object)}'s value, a namespace that means "this process's", a
 * display name that means "the default"). Everywhere else a null fails at once with a {@link
 * java.lang.NullPointerException} whose message is the parameter's name ({@code "timeout"}), or for
 * a null element the parameter's name and where in it ({@code "refs[1] (of 2)"}, {@code
 * "bundles[0][CPU] is null"}), as in Caffeine and grpc-java.
 *
 * <h2>Exceptions</h2>
 *
 * <p>Every method throws only the types of this package and the JDK's argument checks:
 *
 * <ul>
 *   <li>{@link java.lang.NullPointerException} for a null where none is allowed (above);
 *   <li>{@link java.lang.IllegalArgumentException} for a value out of range or ill-formed (a blank
 *       name, a negative amount, an argument of the wrong type), the message naming it and what to
 *       give instead;
 *   <li>{@link dev.prism.PrismException} for what the cluster cannot do (not initialized, cannot
 *       start or be reached, a name taken), and its subclasses for the outcome of remote work:
 *       {@link dev.prism.TaskException}, {@link dev.prism.WorkerCrashedException}, {@link
 *       dev.prism.ActorDiedException}, {@link dev.prism.ObjectLostException}, {@link
 *       dev.prism.TaskCancelledException}, {@link dev.prism.GetTimeoutException}, {@link
 *       dev.prism.PendingCallsLimitExceededException} and {@link
 *       dev.prism.PrismSerializationException}.
 * </ul>
 */
package dev.prism;
