package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scheduler's view of the cluster's resources, updated incrementally: nodes join and leave,
 * totals change, remote nodes report what they have free, grants are allocated and freed, and
 * placement-group bundles are prepared, committed and returned. Policies read it to decide; callers
 * then allocate on the chosen node.
 *
 * <p>Node manager: one view with its own node (allocating locally) plus remote nodes fed by {@link
 * #reportAvailable} for spillback targets. GCS: one view of all nodes for placement-group planning
 * ({@link PlacementGroups}) and actor placement.
 *
 * <p>Not thread-safe: confine to one scheduling thread or guard externally.
 */
public final class ClusterResourceView {
  private static final int INITIAL_CAPACITY = 16;

  NodeResources[] nodes = new NodeResources[INITIAL_CAPACITY];
  int size;

  /** Structure of arrays: node in slot i owns {@code [i * width, (i + 1) * width)}. */
  int width = ResourceIds.OBJECT_STORE_MEMORY + 1;

  long[] total = new long[INITIAL_CAPACITY * width];
  long[] avail = new long[INITIAL_CAPACITY * width];
  double[] inv = new double[INITIAL_CAPACITY * width];
  private final Map<NodeId, NodeResources> byId = new HashMap<>();
  private final Map<PlacementGroupId, Map<Integer, NodeResources>> bundleNodes = new HashMap<>();

  /** Creates an empty view. */
  public ClusterResourceView() {}

  /**
   * Adds a node with everything available.
   *
   * @param spec the node
   * @return its accounting
   * @throws SchedulerException if a node with that id is already present
   */
  public NodeResources addNode(NodeSpec spec) {
    if (byId.containsKey(spec.id())) {
      throw new SchedulerException(
          "node "
              + spec.id()
              + " is already in the cluster view;"
              + " remove it first or use updateTotal to change its resources");
    }
    NodeResources n = NodeResources.of(spec);
    if (n.pool.width > width) {
      relayout(n.pool.width, nodes.length);
    }
    if (size == nodes.length) {
      relayout(width, size * 2);
    }
    n.pool.attach(total, avail, inv, size * width, width);
    n.slot = size;
    n.owner = this;
    nodes[size++] = n;
    byId.put(spec.id(), n);
    return n;
  }

  /**
   * Removes a node (it died or left). Its bundles are dropped; grants on it become void.
   *
   * @param id the node
   * @return true when it was present
   */
  public boolean removeNode(NodeId id) {
    NodeResources n = byId.remove(id);
    if (n == null) {
      return false;
    }
    int s = n.slot;
    n.pool.detach();
    NodeResources last = nodes[--size];
    if (last != n) {
      last.pool.attach(total, avail, inv, s * width, width);
    }
    nodes[s] = last;
    last.slot = s;
    nodes[size] = null;
    n.slot = -1;
    n.owner = null;
    n.markRemoved();
    for (BundleId b : n.bundleIds()) {
      bundleRemoved(b);
    }
    return true;
  }

  /**
   * Returns a node's accounting.
   *
   * @param id the node
   * @return the node, or empty when absent
   */
  public Optional<NodeResources> node(NodeId id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * Returns a node's accounting.
   *
   * @param id the node
   * @return the node
   * @throws UnknownNodeException when absent
   */
  public NodeResources requireNode(NodeId id) {
    NodeResources n = byId.get(id);
    if (n == null) {
      throw new UnknownNodeException(id);
    }
    return n;
  }

  NodeResources nodeOrNull(NodeId id) {
    return id == null ? null : byId.get(id);
  }

  /**
   * Returns the number of nodes.
   *
   * @return the node count
   */
  public int size() {
    return size;
  }

  /**
   * Returns all nodes.
   *
   * @return the nodes, in internal order
   */
  public List<NodeResources> nodes() {
    return List.of(Arrays.copyOf(nodes, size));
  }

  /**
   * Changes a node's totals (e.g. a custom resource added at runtime); what is available shifts by
   * the same difference. The GPU count cannot change this way.
   *
   * @param id the node
   * @param total the new totals
   * @throws InvalidResourceException if the GPU amount differs from the node's device count
   */
  public void updateTotal(NodeId id, ResourceSet total) {
    NodeResources n = requireNode(id);
    if (total.fixed(ResourceIds.GPU) != n.pool.totalOf(ResourceIds.GPU)) {
      throw new InvalidResourceException(
          "node "
              + id
              + " update sets GPU="
              + FixedPoint.format(total.fixed(ResourceIds.GPU))
              + " but it has "
              + n.gpus().size()
              + " GPU devices; remove and re-add the node to change its GPUs");
    }
    if (total.maxId() >= width) {
      relayout(total.maxId() + 1, nodes.length);
    }
    n.pool.updateTotal(total);
  }

  /** Re-lays the structure of arrays for a new width (resource count) or node capacity. */
  private void relayout(int newWidth, int newCapacity) {
    long[] t = new long[newCapacity * newWidth];
    long[] a = new long[newCapacity * newWidth];
    double[] v = new double[newCapacity * newWidth];
    for (int i = 0; i < size; i++) {
      nodes[i].pool.attach(t, a, v, i * newWidth, newWidth);
    }
    nodes = Arrays.copyOf(nodes, newCapacity);
    total = t;
    avail = a;
    inv = v;
    width = newWidth;
  }

  /**
   * Overwrites what a remote node reports as available (amounts above its totals are capped). Only
   * for nodes whose grants this view does not track itself; per-GPU state is unchanged.
   *
   * @param id the node
   * @param available what the node reports free
   */
  public void reportAvailable(NodeId id, ResourceSet available) {
    requireNode(id).pool.reportAvailable(available);
  }

  /**
   * Sums the totals of all nodes.
   *
   * @return cluster totals
   */
  public ResourceSet totalResources() {
    ResourceSet s = ResourceSet.empty();
    for (int i = 0; i < size; i++) {
      s = s.plus(nodes[i].total());
    }
    return s;
  }

  /**
   * Sums what is available on all nodes.
   *
   * @return cluster availability
   */
  public ResourceSet availableResources() {
    ResourceSet s = ResourceSet.empty();
    for (int i = 0; i < size; i++) {
      s = s.plus(nodes[i].available());
    }
    return s;
  }

  /**
   * Asks a policy for a decision (convenience for {@code policy.schedule(this, request)}).
   *
   * @param policy the policy
   * @param request the request
   * @return the decision
   */
  public SchedulingDecision schedule(SchedulingPolicy policy, SchedulingRequest request) {
    return policy.schedule(this, request);
  }

  /**
   * Takes a request's resources on a node, from the request's bundle when its strategy is a
   * placement-group bundle, from the node otherwise.
   *
   * @param node the node (usually from a {@link SchedulingDecision.Scheduled})
   * @param request the request
   * @return the grant, or empty when it does not fit there now
   * @throws UnknownNodeException if the node is absent
   */
  public Optional<Grant> tryAllocate(NodeId node, SchedulingRequest request) {
    NodeResources n = requireNode(node);
    if (request.strategy() instanceof SchedulingStrategy.PlacementGroupBundle pg) {
      return n.tryAllocateInBundle(pg.bundle(), request.resources());
    }
    return Optional.ofNullable(n.allocateOrNull(request.resources()));
  }

  /**
   * Takes a request's resources on a node (see {@link #tryAllocate(NodeId, SchedulingRequest)}).
   *
   * @param node the node
   * @param request the request
   * @return the grant
   * @throws InsufficientResourcesException when it does not fit there now
   */
  public Grant allocate(NodeId node, SchedulingRequest request) {
    NodeResources n = requireNode(node);
    if (request.strategy() instanceof SchedulingStrategy.PlacementGroupBundle pg) {
      return n.allocateInBundle(pg.bundle(), request.resources());
    }
    return n.allocate(request.resources());
  }

  /**
   * Takes resources on a node.
   *
   * @param node the node
   * @param request the demand
   * @return the grant
   * @throws InsufficientResourcesException when it does not fit there now
   */
  public Grant allocate(NodeId node, ResourceRequest request) {
    return requireNode(node).allocate(request);
  }

  /**
   * Returns a grant's resources. A grant from a node or bundle that was removed meanwhile is marked
   * freed and nothing is returned.
   *
   * @param grant the grant
   * @return true when resources were returned
   * @throws SchedulerException if the grant was already freed
   */
  public boolean free(Grant grant) {
    return NodeResources.release(grant);
  }

  // ----------------------------------------------------------- placement-group two-phase steps

  /**
   * Phase one on a node: reserves a bundle (see {@link NodeResources#tryPrepareBundle}).
   *
   * @param node the node chosen by the plan
   * @param bundle the bundle
   * @param request its demand
   * @return true when reserved
   */
  public boolean prepareBundle(NodeId node, BundleId bundle, ResourceRequest request) {
    return requireNode(node).tryPrepareBundle(bundle, request);
  }

  /**
   * Phase two on a node: commits a prepared bundle.
   *
   * @param node the node
   * @param bundle the bundle
   */
  public void commitBundle(NodeId node, BundleId bundle) {
    requireNode(node).commitBundle(bundle);
  }

  /**
   * Cancels (or removes) a bundle on a node, returning its reservation. Idempotent.
   *
   * @param node the node
   * @param bundle the bundle
   * @return what was returned (empty when nothing was there)
   */
  public ResourceSet cancelBundle(NodeId node, BundleId bundle) {
    NodeResources n = byId.get(node);
    return n == null ? ResourceSet.empty() : n.returnBundle(bundle);
  }

  /**
   * Removes a placement group from every node, returning exactly what it reserved.
   *
   * @param group the group
   * @return the resources returned, summed over its bundles
   */
  public ResourceSet removePlacementGroup(PlacementGroupId group) {
    Map<Integer, NodeResources> m = bundleNodes.get(group);
    if (m == null) {
      return ResourceSet.empty();
    }
    ResourceSet sum = ResourceSet.empty();
    for (NodeResources n : new LinkedHashSet<>(m.values())) {
      sum = sum.plus(n.returnPlacementGroup(group));
    }
    return sum;
  }

  /**
   * Returns the node holding a bundle.
   *
   * @param bundle a concrete bundle
   * @return its node, or empty when not reserved anywhere
   */
  public Optional<NodeId> bundleNode(BundleId bundle) {
    Map<Integer, NodeResources> m = bundleNodes.get(bundle.group());
    NodeResources n = m == null ? null : m.get(bundle.index());
    return n == null ? Optional.empty() : Optional.of(n.id());
  }

  /** Nodes holding bundles of the group (all of them for ANY), in bundle order. */
  List<NodeResources> bundleHolders(BundleId bundle) {
    Map<Integer, NodeResources> m = bundleNodes.get(bundle.group());
    if (m == null) {
      return List.of();
    }
    if (bundle.index() != BundleId.ANY) {
      NodeResources n = m.get(bundle.index());
      return n == null ? List.of() : List.of(n);
    }
    Set<NodeResources> s = new LinkedHashSet<>();
    m.keySet().stream().sorted().forEach(i -> s.add(m.get(i)));
    return new ArrayList<>(s);
  }

  void bundleAdded(BundleId bundle, NodeResources node) {
    bundleNodes.computeIfAbsent(bundle.group(), g -> new HashMap<>()).put(bundle.index(), node);
  }

  void bundleRemoved(BundleId bundle) {
    Map<Integer, NodeResources> m = bundleNodes.get(bundle.group());
    if (m != null) {
      m.remove(bundle.index());
      if (m.isEmpty()) {
        bundleNodes.remove(bundle.group());
      }
    }
  }
}
