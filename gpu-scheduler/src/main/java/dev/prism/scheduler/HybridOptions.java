package dev.prism.scheduler;

/**
 * Settings of the default hybrid policy.
 *
 * @param spreadThreshold the local node is preferred while its utilisation of the requested
 *     resources is below this (Ray's default 0.5); in [0, 1]
 * @param topK the decision is a seeded random pick among the k least loaded feasible nodes; k &gt;=
 *     1
 * @param maxNodesScanned the most nodes examined per decision, starting at a random node (a sample,
 *     as in power-of-k-choices); when none of them has room the rest are examined too, so
 *     availability is never missed. {@link Integer#MAX_VALUE} examines every node
 * @param seed the random seed; decisions are deterministic for a seed and a sequence of calls
 */
public record HybridOptions(double spreadThreshold, int topK, int maxNodesScanned, long seed) {
  /** Ray's default spread threshold. */
  public static final double DEFAULT_SPREAD_THRESHOLD = 0.5;

  /** Default sample size per decision. */
  public static final int DEFAULT_MAX_NODES_SCANNED = 256;

  /**
   * Validates the options.
   *
   * @throws InvalidResourceException on an out-of-range value
   */
  public HybridOptions {
    if (!(spreadThreshold >= 0 && spreadThreshold <= 1)) {
      throw new InvalidResourceException(
          "spreadThreshold " + spreadThreshold + " is outside [0, 1]; use e.g. 0.5");
    }
    if (topK < 1) {
      throw new InvalidResourceException("topK " + topK + " must be at least 1");
    }
    if (maxNodesScanned < 1) {
      throw new InvalidResourceException(
          "maxNodesScanned " + maxNodesScanned + " must be at least 1");
    }
  }

  /**
   * Default options: threshold 0.5, top-1, up to 256 nodes sampled per decision.
   *
   * @param seed the random seed
   * @return the options
   */
  public static HybridOptions defaults(long seed) {
    return new HybridOptions(DEFAULT_SPREAD_THRESHOLD, 1, DEFAULT_MAX_NODES_SCANNED, seed);
  }
}
