package dev.prism.scheduler;

import java.util.SplittableRandom;

/**
 * Default hybrid policy: prefer the local node while the utilisation of the requested resources
 * there is below the spread threshold; otherwise pick among the {@code topK} least loaded nodes
 * with room (seeded random choice), examining a sample of at most {@code maxNodesScanned} nodes
 * from a random start (and the remaining nodes only when the sample has no room), so a decision
 * costs O(min(n, sample)) rather than O(n log n). Allocation-free on the hot path.
 */
final class HybridPolicy implements SchedulingPolicy {
  private final double threshold;
  private final int topK;
  private final int maxScan;
  private final SplittableRandom random;
  private final int[] topIdx;
  private final double[] topScore;
  private int found;
  private int bestSlot;
  private double bestScore;

  HybridPolicy(HybridOptions o) {
    this.threshold = o.spreadThreshold();
    this.topK = o.topK();
    this.maxScan = o.maxNodesScanned();
    this.random = new SplittableRandom(o.seed());
    this.topIdx = new int[topK];
    this.topScore = new double[topK];
  }

  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    int n = c.size;
    if (n == 0) {
      return Feasibility.noNodeAvailable(c, r);
    }
    ResourceRequest req = r.resources();
    LabelSelector sel = r.labelSelector();
    boolean filter = !sel.isEmpty();
    NodeResources local = c.nodeOrNull(r.localNode());
    if (local != null && (!filter || sel.matches(local.labels()))) {
      double u = local.pool.scoreIfFits(req);
      if (u >= 0 && u < threshold) {
        return local.scheduled;
      }
    }
    int start = n == 1 ? 0 : random.nextInt(n);
    int m = Math.min(n, maxScan);
    found = 0;
    scan(c, start, m, req, sel, filter);
    if (found == 0 && m < n) {
      scan(c, start + m, n - m, req, sel, filter);
    }
    if (found == 0) {
      return Feasibility.noNodeAvailable(c, r);
    }
    int pick = found == 1 ? topIdx[0] : topIdx[random.nextInt(found)];
    return c.nodes[pick].scheduled;
  }

  /**
   * Scans {@code count} slots from {@code from} (wrapping) over the view's structure of arrays: per
   * node only contiguous array reads, plus the node object for label or GPU checks.
   */
  private void scan(
      ClusterResourceView c,
      int from,
      int count,
      ResourceRequest req,
      LabelSelector sel,
      boolean filter) {
    ResourceSet shape = req.resources();
    int[] ids = shape.ids;
    long[] am = shape.amounts;
    int w = c.width;
    if (ids.length == 0 || ids[ids.length - 1] >= w) {
      scanSlow(c, from, count, req, sel, filter);
      return;
    }
    boolean gpu = req.gpuFixed() != 0;
    if (topK == 1 && ids.length <= 2) {
      scanBestOfTwo(
          c,
          from,
          count,
          ids[0],
          am[0],
          ids[ids.length - 1],
          am[ids.length - 1],
          req,
          sel,
          filter,
          gpu);
      return;
    }
    long[] av = c.avail;
    long[] t = c.total;
    double[] v = c.inv;
    NodeResources[] nodes = c.nodes;
    int n = c.size;
    int i = from % n;
    for (int k = 0; k < count; k++) {
      int b = i * w;
      double u = 0;
      boolean fits = true;
      for (int j = 0; j < ids.length; j++) {
        int x = b + ids[j];
        long a = av[x];
        if (a < am[j]) {
          fits = false;
          break;
        }
        double used = (t[x] - a) * v[x];
        if (used > u) {
          u = used;
        }
      }
      if (fits
          && (!filter || sel.matches(nodes[i].labels()))
          && (!gpu || nodes[i].pool.fitsAvailable(req))) {
        offer(i, u);
      }
      if (++i == n) {
        i = 0;
      }
    }
  }

  /**
   * The common case, unrolled: top-1 over a request of one or two resources (a one-resource request
   * passes the same id twice). Keeps the best in locals; no calls per node.
   */
  private void scanBestOfTwo(
      ClusterResourceView c,
      int from,
      int count,
      int id0,
      long r0,
      int id1,
      long r1,
      ResourceRequest req,
      LabelSelector sel,
      boolean filter,
      boolean gpu) {
    int n = c.size;
    int lo = from % n;
    int firstPart = Math.min(count, n - lo);
    bestSlot = -1;
    bestScore = Double.MAX_VALUE;
    rangeBestOfTwo(c, lo, lo + firstPart, id0, r0, id1, r1, req, sel, filter, gpu);
    if (count > firstPart) {
      rangeBestOfTwo(c, 0, count - firstPart, id0, r0, id1, r1, req, sel, filter, gpu);
    }
    if (bestSlot >= 0) {
      offer(bestSlot, bestScore);
    }
  }

  /** Top-1 over the contiguous slots {@code [lo, hi)}: straight array reads, no wrap-around. */
  private void rangeBestOfTwo(
      ClusterResourceView c,
      int lo,
      int hi,
      int id0,
      long r0,
      int id1,
      long r1,
      ResourceRequest req,
      LabelSelector sel,
      boolean filter,
      boolean gpu) {
    long[] av = c.avail;
    long[] t = c.total;
    double[] v = c.inv;
    int w = c.width;
    int best = bestSlot;
    double bestU = bestScore;
    for (int i = lo; i < hi; i++) {
      int b = i * w;
      int x0 = b + id0;
      int x1 = b + id1;
      long a0 = av[x0];
      long a1 = av[x1];
      if (a0 >= r0 & a1 >= r1) {
        double u0 = (t[x0] - a0) * v[x0];
        double u1 = (t[x1] - a1) * v[x1];
        double u = u0 > u1 ? u0 : u1;
        if (u < bestU
            && (!filter || sel.matches(c.nodes[i].labels()))
            && (!gpu || c.nodes[i].pool.fitsAvailable(req))) {
          best = i;
          bestU = u;
        }
      }
    }
    bestSlot = best;
    bestScore = bestU;
  }

  private void scanSlow(
      ClusterResourceView c,
      int from,
      int count,
      ResourceRequest req,
      LabelSelector sel,
      boolean filter) {
    NodeResources[] nodes = c.nodes;
    int n = c.size;
    int i = from % n;
    for (int k = 0; k < count; k++) {
      NodeResources node = nodes[i];
      if (!filter || sel.matches(node.labels())) {
        double u = node.pool.scoreIfFits(req);
        if (u >= 0) {
          offer(i, u);
        }
      }
      if (++i == n) {
        i = 0;
      }
    }
  }

  /** Keeps the k lowest scores; equal scores keep the earlier one (the scan start is random). */
  private void offer(int idx, double score) {
    if (found < topK) {
      int j = found++;
      while (j > 0 && topScore[j - 1] > score) {
        topScore[j] = topScore[j - 1];
        topIdx[j] = topIdx[j - 1];
        j--;
      }
      topScore[j] = score;
      topIdx[j] = idx;
    } else if (score < topScore[topK - 1]) {
      int j = topK - 1;
      while (j > 0 && topScore[j - 1] > score) {
        topScore[j] = topScore[j - 1];
        topIdx[j] = topIdx[j - 1];
        j--;
      }
      topScore[j] = score;
      topIdx[j] = idx;
    }
  }
}
