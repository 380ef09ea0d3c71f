package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Placement-group planning and the two-phase reservation over a {@link ClusterResourceView}.
 *
 * <p>The GCS calls {@link #plan} to pick a node per bundle without changing anything, then drives
 * the two phases on the chosen nodes (locally with {@link ClusterResourceView#prepareBundle},
 * {@link ClusterResourceView#commitBundle} and {@link ClusterResourceView#cancelBundle}, or
 * remotely on each node's {@link NodeResources}). {@link #create} does all of it in one call on a
 * single view, all-or-nothing; {@link #remove} returns exactly what the group reserved.
 *
 * <p>Planning is greedy, bundles in index order: STRICT_PACK tries each node for the whole group
 * and takes the fullest node that holds it (best fit); PACK tries STRICT_PACK first, then keeps
 * filling the current node and opens the node with the most room when it is full; SPREAD and
 * STRICT_SPREAD give each bundle the least loaded node not used yet (SPREAD may then reuse a node,
 * STRICT_SPREAD fails).
 */
public final class PlacementGroups {
  private PlacementGroups() {}

  /**
   * Chooses a node for each bundle, without reserving anything.
   *
   * @param cluster the view
   * @param spec the group
   * @return placed (node per bundle), unavailable now, or infeasible
   */
  public static PlacementPlan plan(ClusterResourceView cluster, PlacementGroupSpec spec) {
    int[] now = new Sim(cluster, spec, false).place();
    if (now != null) {
      List<NodeId> nodes = new ArrayList<>(now.length);
      for (int i : now) {
        nodes.add(cluster.nodes[i].id());
      }
      return new PlacementPlan.Placed(spec.id(), nodes);
    }
    if (new Sim(cluster, spec, true).place() != null) {
      return new PlacementPlan.Unavailable(
          "placement group "
              + spec.id()
              + " ("
              + spec.strategy()
              + ", "
              + spec.bundles().size()
              + " bundles) fits the cluster but not the resources free now");
    }
    return new PlacementPlan.Infeasible(infeasibleReason(cluster, spec));
  }

  /**
   * Plans and reserves a group on this view: prepares every bundle, then commits them all; if a
   * prepare fails, the bundles already prepared are cancelled (all-or-nothing).
   *
   * @param cluster the view
   * @param spec the group
   * @return the plan that was committed, or why nothing was reserved
   * @throws PlacementGroupException if bundles of this group are already reserved
   */
  public static PlacementPlan create(ClusterResourceView cluster, PlacementGroupSpec spec) {
    if (cluster.bundleHolders(new BundleId(spec.id(), BundleId.ANY)).size() > 0) {
      throw new PlacementGroupException(
          "placement group "
              + spec.id()
              + " already has reserved bundles; remove it before creating it again");
    }
    PlacementPlan plan = plan(cluster, spec);
    if (!(plan instanceof PlacementPlan.Placed placed)) {
      return plan;
    }
    List<NodeId> nodes = placed.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      if (!cluster.prepareBundle(nodes.get(i), spec.bundleId(i), spec.bundles().get(i))) {
        for (int j = 0; j < i; j++) {
          cluster.cancelBundle(nodes.get(j), spec.bundleId(j));
        }
        return new PlacementPlan.Unavailable(
            "bundle "
                + spec.bundleId(i)
                + " could not be reserved on "
                + nodes.get(i)
                + "; the group was rolled back, retry later");
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      cluster.commitBundle(nodes.get(i), spec.bundleId(i));
    }
    return placed;
  }

  /**
   * Removes a group everywhere, returning exactly what it reserved.
   *
   * @param cluster the view
   * @param group the group
   * @return the resources returned
   */
  public static ResourceSet remove(ClusterResourceView cluster, PlacementGroupId group) {
    return cluster.removePlacementGroup(group);
  }

  private static String infeasibleReason(ClusterResourceView c, PlacementGroupSpec spec) {
    if (c.size == 0) {
      return "placement group " + spec.id() + " cannot be placed: the cluster has no nodes";
    }
    for (int b = 0; b < spec.bundles().size(); b++) {
      ResourceRequest req = spec.bundles().get(b);
      boolean any = false;
      for (int i = 0; i < c.size && !any; i++) {
        any = spec.labelSelector().matches(c.nodes[i].labels()) && c.nodes[i].pool.fitsTotal(req);
      }
      if (!any) {
        return "placement group "
            + spec.id()
            + " bundle "
            + b
            + " is infeasible: "
            + Feasibility.infeasibleReason(c, req, spec.labelSelector());
      }
    }
    return switch (spec.strategy()) {
      case STRICT_PACK ->
          "placement group "
              + spec.id()
              + " is infeasible: no single node can hold all "
              + spec.bundles().size()
              + " bundles "
              + spec.totalDemand()
              + " (STRICT_PACK)";
      case STRICT_SPREAD ->
          "placement group "
              + spec.id()
              + " is infeasible: STRICT_SPREAD needs "
              + spec.bundles().size()
              + " distinct nodes that fit its bundles, the cluster has "
              + c.size
              + " node(s)"
              + (spec.labelSelector().isEmpty() ? "" : " before label selection");
      default ->
          "placement group "
              + spec.id()
              + " is infeasible: its "
              + spec.bundles().size()
              + " bundles "
              + spec.totalDemand()
              + " do not fit the cluster's nodes together";
    };
  }

  /** A simulation over scratch copies of the pools it touches. */
  private static final class Sim {
    private final ClusterResourceView c;
    private final PlacementGroupSpec spec;
    private final boolean empty;
    private final ResourcePool[] pools;
    private final boolean[] matches;

    Sim(ClusterResourceView c, PlacementGroupSpec spec, boolean empty) {
      this.c = c;
      this.spec = spec;
      this.empty = empty;
      this.pools = new ResourcePool[c.size];
      this.matches = new boolean[c.size];
      LabelSelector sel = spec.labelSelector();
      for (int i = 0; i < c.size; i++) {
        matches[i] = sel.isEmpty() || sel.matches(c.nodes[i].labels());
      }
    }

    /** For reading: the scratch copy if any, else the live pool (or an empty copy). */
    private ResourcePool read(int i) {
      if (pools[i] != null) {
        return pools[i];
      }
      return empty ? write(i) : c.nodes[i].pool;
    }

    private ResourcePool write(int i) {
      if (pools[i] == null) {
        pools[i] = empty ? c.nodes[i].pool.copyEmpty() : c.nodes[i].pool.copyAvailable();
      }
      return pools[i];
    }

    int[] place() {
      if (c.size == 0) {
        return null;
      }
      return switch (spec.strategy()) {
        case STRICT_PACK -> strictPack();
        case PACK -> {
          int[] one = strictPack();
          yield one != null ? one : pack();
        }
        case SPREAD -> spread(false);
        case STRICT_SPREAD -> spread(true);
      };
    }

    /**
     * Best fit: the node whose utilisation after taking the whole group is highest. Scalar amounts
     * are checked arithmetically; the per-GPU assignment is verified by a trial on a scratch copy,
     * only for the best candidate (and the next ones if that fails).
     */
    private int[] strictPack() {
      ResourceSet sum = spec.totalDemand();
      boolean gpu = sum.fixed(ResourceIds.GPU) > 0;
      boolean[] rejected = null;
      while (true) {
        int best = -1;
        double bestUtil = -1;
        for (int i = 0; i < c.size; i++) {
          if (!matches[i] || (rejected != null && rejected[i])) {
            continue;
          }
          double u = read(i).utilizationAfter(sum);
          if (u > bestUtil) {
            best = i;
            bestUtil = u;
          }
        }
        if (best < 0) {
          return null;
        }
        if (!gpu || trialFits(read(best))) {
          int[] out = new int[spec.bundles().size()];
          java.util.Arrays.fill(out, best);
          return out;
        }
        if (rejected == null) {
          rejected = new boolean[c.size];
        }
        rejected[best] = true;
      }
    }

    private boolean trialFits(ResourcePool pool) {
      ResourcePool trial = pool.copyAvailable();
      for (ResourceRequest b : spec.bundles()) {
        if (trial.take(b) == null) {
          return false;
        }
      }
      return true;
    }

    private int[] pack() {
      int n = spec.bundles().size();
      int[] out = new int[n];
      int current = -1;
      for (int b = 0; b < n; b++) {
        ResourceRequest req = spec.bundles().get(b);
        if (current < 0 || read(current).scoreIfFits(req) < 0) {
          current = leastLoaded(req, null);
          if (current < 0) {
            return null;
          }
        }
        write(current).take(req);
        out[b] = current;
      }
      return out;
    }

    private int[] spread(boolean strict) {
      int n = spec.bundles().size();
      int[] out = new int[n];
      boolean[] used = new boolean[c.size];
      for (int b = 0; b < n; b++) {
        ResourceRequest req = spec.bundles().get(b);
        int node = leastLoaded(req, used);
        if (node < 0 && !strict) {
          node = leastLoaded(req, null);
        }
        if (node < 0) {
          return null;
        }
        write(node).take(req);
        used[node] = true;
        out[b] = node;
      }
      return out;
    }

    /** The matching node with room and the lowest utilisation of the request's resources. */
    private int leastLoaded(ResourceRequest req, boolean[] exclude) {
      int best = -1;
      double bestScore = Double.MAX_VALUE;
      for (int i = 0; i < c.size; i++) {
        if (!matches[i] || (exclude != null && exclude[i])) {
          continue;
        }
        ResourcePool p = read(i);
        double s = p.scalarScore(req);
        if (s >= 0 && s < bestScore && p.gpusFit(req)) {
          best = i;
          bestScore = s;
        }
      }
      return best;
    }
  }
}
