package dev.prism.function;

/**
 * A remote function of 1 argument that returns nothing: the target of a method reference passed to
 * Prism to run remotely. Serializable, so Prism can read which method the reference names; only
 * references to named methods are accepted, never lambdas that capture values.
 *
 * @param <T0> the type of argument 0
 */
@FunctionalInterface
public interface PrismFuncVoid1<T0> extends PrismFunc {

  /**
   * Calls the function (Prism calls it on the worker that runs the task).
   *
   * @param t0 argument 0
   * @throws Exception whatever the function throws; it reaches the caller as a task error
   */
  void apply(T0 t0) throws Exception;
}
