package dev.prism.collective;

/** How {@link Communicator#allreduce} combines the ranks' values, element by element. */
public enum ReduceOp {
  /** The sum over all ranks. */
  SUM,
  /** The sum divided by the number of ranks (floating-point types only). */
  MEAN,
  /** The largest value. */
  MAX,
  /** The smallest value. */
  MIN
}
