package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resource accounting of one node: totals, what is available, labels, per-GPU assignment, and
 * the placement-group bundles reserved on it (prepare / commit / return). A node manager can use
 * one on its own for local decisions; a {@link ClusterResourceView} holds one per node.
 *
 * <p>Not thread-safe: confine to one scheduling thread or guard externally.
 */
public final class NodeResources {
  private final NodeSpec spec;
  final ResourcePool pool;
  final SchedulingDecision.Scheduled scheduled;
  private final Map<BundleId, Bundle> bundles = new LinkedHashMap<>();

  /** Position in the owning cluster's node array; -1 when standalone or removed. */
  int slot = -1;

  ClusterResourceView owner;

  private NodeResources(NodeSpec spec) {
    this.spec = spec;
    this.pool =
        new ResourcePool(
            spec.resources(), spec.gpus().isEmpty() ? null : GpuInstances.forDevices(spec.gpus()));
    this.scheduled = new SchedulingDecision.Scheduled(spec.id());
  }

  /**
   * Creates standalone accounting for a node.
   *
   * @param spec the node
   * @return the accounting, with everything available
   */
  public static NodeResources of(NodeSpec spec) {
    return new NodeResources(spec);
  }

  /** The state of a bundle on this node. */
  public enum BundleState {
    /** Reserved by the first phase; not yet usable by tasks. */
    PREPARED,
    /** Usable by tasks and actors of the group. */
    COMMITTED
  }

  static final class Bundle {
    final BundleId id;
    final ResourceRequest request;
    final List<GpuShare> shares;
    final ResourcePool pool;
    BundleState state = BundleState.PREPARED;

    Bundle(BundleId id, ResourceRequest request, List<GpuShare> shares, GpuInstances nodeGpus) {
      this.id = id;
      this.request = request;
      this.shares = shares;
      this.pool =
          new ResourcePool(
              request.resources(),
              shares.isEmpty() ? null : GpuInstances.forShares(shares, nodeGpus));
    }
  }

  /**
   * Returns the node id.
   *
   * @return the id
   */
  public NodeId id() {
    return spec.id();
  }

  /**
   * Returns the node's specification.
   *
   * @return the spec as added
   */
  public NodeSpec spec() {
    return spec;
  }

  /**
   * Returns the node's labels (including {@link Labels#NODE_ID} and, with GPUs, {@link
   * Labels#ACCELERATOR_TYPE}).
   *
   * @return the labels
   */
  public Map<String, String> labels() {
    return spec.labels();
  }

  /**
   * Returns the node's GPU devices.
   *
   * @return the devices, by index
   */
  public List<GpuDevice> gpus() {
    return spec.gpus();
  }

  /**
   * Returns the current totals (changed by {@link ClusterResourceView#updateTotal}).
   *
   * @return the totals
   */
  public ResourceSet total() {
    return pool.totalSet();
  }

  /**
   * Returns what is available now (bundle reservations are not available to other work).
   *
   * @return the available amounts
   */
  public ResourceSet available() {
    return pool.availableSet();
  }

  /**
   * Returns the fraction of the most used resource.
   *
   * @return utilisation in [0, 1]
   */
  public double utilization() {
    return pool.utilization(ResourceSet.empty());
  }

  /**
   * Returns the free fraction of each GPU device.
   *
   * @return free fraction (0..1) per device index
   */
  public List<Double> gpuFreeFractions() {
    List<Double> out = new ArrayList<>();
    if (pool.gpus != null) {
      for (int i = 0; i < pool.gpus.size(); i++) {
        out.add(FixedPoint.toDouble(pool.gpus.availFrac[i]));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Returns the free memory of each GPU device as accounted by grants.
   *
   * @return bytes per device index (0 where memory is unknown)
   */
  public List<Long> gpuFreeMemory() {
    List<Long> out = new ArrayList<>();
    if (pool.gpus != null) {
      for (int i = 0; i < pool.gpus.size(); i++) {
        out.add(pool.gpus.availMem[i]);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Returns whether the request fits in what is available now.
   *
   * @param request the demand
   * @return true when {@link #tryAllocate} would succeed
   */
  public boolean isAvailable(ResourceRequest request) {
    return pool.fitsAvailable(request);
  }

  /**
   * Returns whether the request could ever fit this node (in its totals).
   *
   * @param request the demand
   * @return true when it fits an idle node of this shape
   */
  public boolean isFeasible(ResourceRequest request) {
    return pool.fitsTotal(request);
  }

  /**
   * Takes resources if available now.
   *
   * @param request the demand
   * @return the grant, or empty when it does not fit now
   */
  public Optional<Grant> tryAllocate(ResourceRequest request) {
    return Optional.ofNullable(allocateOrNull(request));
  }

  Grant allocateOrNull(ResourceRequest request) {
    List<GpuShare> shares = pool.take(request);
    return shares == null ? null : new Grant(spec.id(), null, request, shares, pool);
  }

  /**
   * Takes resources.
   *
   * @param request the demand
   * @return the grant
   * @throws InsufficientResourcesException when it does not fit now
   */
  public Grant allocate(ResourceRequest request) {
    Grant g = allocateOrNull(request);
    if (g == null) {
      throw new InsufficientResourcesException(
          "node "
              + id()
              + " cannot take "
              + request
              + " now: available "
              + available()
              + "; schedule first or retry after a free");
    }
    return g;
  }

  /**
   * Returns a grant's resources to where they came from (the node, or its bundle).
   *
   * @param grant a grant from this node
   * @return true when returned; false when its bundle was removed meanwhile (its resources came
   *     back with the bundle)
   * @throws SchedulerException if the grant is from another node or was already freed
   */
  public boolean free(Grant grant) {
    if (!grant.nodeId().equals(id())) {
      throw new SchedulerException(
          "grant "
              + grant
              + " is from node "
              + grant.nodeId()
              + ", not "
              + id()
              + "; free it on its own node");
    }
    return release(grant);
  }

  static boolean release(Grant grant) {
    if (grant.released) {
      throw new SchedulerException("grant " + grant + " was already freed; free each grant once");
    }
    grant.released = true;
    if (grant.origin.removed) {
      return false;
    }
    grant.origin.giveBack(grant.resources(), grant.gpuShares());
    return true;
  }

  // ---------------------------------------------------------------- placement-group bundles

  /**
   * Phase one: reserves a bundle's resources (including specific GPU devices) if available.
   *
   * @param bundle the bundle (a concrete index)
   * @param request the bundle's demand
   * @return true when reserved, false when it does not fit now
   * @throws PlacementGroupException if the bundle is already on this node or the index is ANY
   */
  public boolean tryPrepareBundle(BundleId bundle, ResourceRequest request) {
    if (bundle.index() == BundleId.ANY) {
      throw new PlacementGroupException(
          "cannot prepare bundle " + bundle + ": give a concrete bundle index, not ANY");
    }
    if (bundles.containsKey(bundle)) {
      throw new PlacementGroupException(
          "bundle "
              + bundle
              + " is already "
              + bundles.get(bundle).state
              + " on node "
              + id()
              + "; return it before preparing it again");
    }
    List<GpuShare> shares = pool.take(request);
    if (shares == null) {
      return false;
    }
    Bundle b = new Bundle(bundle, request, shares, pool.gpus);
    bundles.put(bundle, b);
    if (owner != null) {
      owner.bundleAdded(bundle, this);
    }
    return true;
  }

  /**
   * Phase one: reserves a bundle's resources.
   *
   * @param bundle the bundle
   * @param request the demand
   * @throws InsufficientResourcesException when it does not fit now
   */
  public void prepareBundle(BundleId bundle, ResourceRequest request) {
    if (!tryPrepareBundle(bundle, request)) {
      throw new InsufficientResourcesException(
          "node "
              + id()
              + " cannot reserve bundle "
              + bundle
              + " "
              + request
              + " now: available "
              + available());
    }
  }

  /**
   * Phase two: makes a prepared bundle usable by tasks of the group.
   *
   * @param bundle the bundle
   * @throws PlacementGroupException if it was not prepared here, or is already committed
   */
  public void commitBundle(BundleId bundle) {
    Bundle b = bundles.get(bundle);
    if (b == null) {
      throw new PlacementGroupException(
          "cannot commit bundle "
              + bundle
              + " on node "
              + id()
              + ": it was not prepared here; prepare it first");
    }
    if (b.state == BundleState.COMMITTED) {
      throw new PlacementGroupException(
          "bundle " + bundle + " is already committed on node " + id());
    }
    b.state = BundleState.COMMITTED;
  }

  /**
   * Cancels a prepared bundle or removes a committed one, returning exactly what it reserved to the
   * node. Grants still held inside the bundle become void (freeing them later is a no-op).
   * Idempotent: an unknown bundle returns the empty set.
   *
   * @param bundle the bundle
   * @return the resources returned to the node
   */
  public ResourceSet returnBundle(BundleId bundle) {
    Bundle b = bundles.remove(bundle);
    if (b == null) {
      return ResourceSet.empty();
    }
    b.pool.removed = true;
    pool.giveBack(b.request.resources(), b.shares);
    if (owner != null) {
      owner.bundleRemoved(bundle);
    }
    return b.request.resources();
  }

  /**
   * Returns every bundle of a group on this node.
   *
   * @param group the placement group
   * @return the resources returned
   */
  public ResourceSet returnPlacementGroup(PlacementGroupId group) {
    ResourceSet sum = ResourceSet.empty();
    for (BundleId id : List.copyOf(bundles.keySet())) {
      if (id.group().equals(group)) {
        sum = sum.plus(returnBundle(id));
      }
    }
    return sum;
  }

  /**
   * Returns a bundle's state on this node.
   *
   * @param bundle the bundle
   * @return the state, or empty when it is not here
   */
  public Optional<BundleState> bundleState(BundleId bundle) {
    Bundle b = bundles.get(bundle);
    return b == null ? Optional.empty() : Optional.of(b.state);
  }

  /**
   * Returns the bundles reserved on this node.
   *
   * @return the bundle ids, in preparation order
   */
  public List<BundleId> bundleIds() {
    return List.copyOf(bundles.keySet());
  }

  /**
   * Returns what is left in a bundle for tasks.
   *
   * @param bundle a concrete bundle on this node
   * @return the available amounts
   * @throws PlacementGroupException if the bundle is not here
   */
  public ResourceSet bundleAvailable(BundleId bundle) {
    Bundle b = bundles.get(bundle);
    if (b == null) {
      throw new PlacementGroupException("bundle " + bundle + " is not on node " + id());
    }
    return b.pool.availableSet();
  }

  /** The committed bundles a request may use: the one named, or all of the group for ANY. */
  private List<Bundle> candidates(BundleId bundle) {
    List<Bundle> out = new ArrayList<>(1);
    if (bundle.index() != BundleId.ANY) {
      Bundle b = bundles.get(bundle);
      if (b != null && b.state == BundleState.COMMITTED) {
        out.add(b);
      }
      return out;
    }
    for (Bundle b : bundles.values()) {
      if (b.id.group().equals(bundle.group()) && b.state == BundleState.COMMITTED) {
        out.add(b);
      }
    }
    return out;
  }

  boolean hasCommitted(BundleId bundle) {
    return !candidates(bundle).isEmpty();
  }

  boolean isBundleAvailable(BundleId bundle, ResourceRequest request) {
    for (Bundle b : candidates(bundle)) {
      if (b.pool.fitsAvailable(request)) {
        return true;
      }
    }
    return false;
  }

  boolean isBundleFeasible(BundleId bundle, ResourceRequest request) {
    for (Bundle b : candidates(bundle)) {
      if (b.pool.fitsTotal(request)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Takes resources from a committed bundle if available now.
   *
   * @param bundle the bundle, or index {@link BundleId#ANY} for the first bundle of the group on
   *     this node that fits
   * @param request the demand
   * @return the grant, or empty when no such committed bundle has room now
   */
  public Optional<Grant> tryAllocateInBundle(BundleId bundle, ResourceRequest request) {
    for (Bundle b : candidates(bundle)) {
      List<GpuShare> shares = b.pool.take(request);
      if (shares != null) {
        return Optional.of(new Grant(id(), b.id, request, shares, b.pool));
      }
    }
    return Optional.empty();
  }

  /**
   * Takes resources from a committed bundle.
   *
   * @param bundle the bundle (or ANY index)
   * @param request the demand
   * @return the grant
   * @throws PlacementGroupException if no such committed bundle is on this node
   * @throws InsufficientResourcesException if it has no room now
   */
  public Grant allocateInBundle(BundleId bundle, ResourceRequest request) {
    if (!hasCommitted(bundle)) {
      throw new PlacementGroupException(
          "bundle "
              + bundle
              + " is not committed on node "
              + id()
              + "; commit it first, or schedule with the bundle strategy to find its node");
    }
    return tryAllocateInBundle(bundle, request)
        .orElseThrow(
            () ->
                new InsufficientResourcesException(
                    "bundle " + bundle + " on node " + id() + " cannot take " + request + " now"));
  }

  void markRemoved() {
    pool.removed = true;
    for (Bundle b : bundles.values()) {
      b.pool.removed = true;
    }
  }

  @Override
  public String toString() {
    return "Node{" + id() + ", total=" + total() + ", available=" + available() + "}";
  }
}
