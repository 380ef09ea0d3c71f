package dev.prism.function;

/**
 * A remote function of 3 arguments that returns nothing: the target of a method reference passed to
 * Prism to run remotely. Serializable, so Prism can read which method the reference names; only
 * references to named methods are accepted, never lambdas that capture values.
 *
 * @param <T0> the type of argument 0
 * @param <T1> the type of argument 1
 * @param <T2> the type of argument 2
 */
@FunctionalInterface
public interface PrismFuncVoid3<T0, T1, T2> extends PrismFunc {

  /**
   * Calls the function (Prism calls it on the worker that runs the task).
   *
   * @param t0 argument 0
   * @param t1 argument 1
   * @param t2 argument 2
   * @throws Exception whatever the function throws; it reaches the caller as a task error
   */
  void apply(T0 t0, T1 t1, T2 t2) throws Exception;
}
