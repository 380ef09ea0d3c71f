package dev.prism.function;

/**
 * A remote function of 6 arguments that returns nothing: the target of a method reference passed to
 * Prism to run remotely. Serializable, so Prism can read which method the reference names; only
 * references to named methods are accepted, never lambdas that capture values.
 *
 * @param <T0> the type of argument 0
 * @param <T1> the type of argument 1
 * @param <T2> the type of argument 2
 * @param <T3> the type of argument 3
 * @param <T4> the type of argument 4
 * @param <T5> the type of argument 5
 */
@FunctionalInterface
public interface PrismFuncVoid6<T0, T1, T2, T3, T4, T5> extends PrismFunc {

  /**
   * Calls the function (Prism calls it on the worker that runs the task).
   *
   * @param t0 argument 0
   * @param t1 argument 1
   * @param t2 argument 2
   * @param t3 argument 3
   * @param t4 argument 4
   * @param t5 argument 5
   * @throws Exception whatever the function throws; it reaches the caller as a task error
   */
  void apply(T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5) throws Exception;
}
