package dev.prism.function;

/**
 * A remote function of 0 arguments that returns nothing: the target of a method reference passed to
 * Prism to run remotely. Serializable, so Prism can read which method the reference names; only
 * references to named methods are accepted, never lambdas that capture values.
 */
@FunctionalInterface
public interface PrismFuncVoid0 extends PrismFunc {

  /**
   * Calls the function (Prism calls it on the worker that runs the task).
   *
   * @throws Exception whatever the function throws; it reaches the caller as a task error
   */
  void apply() throws Exception;
}
