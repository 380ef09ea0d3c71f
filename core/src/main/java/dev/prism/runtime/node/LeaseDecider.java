package dev.prism.runtime.node;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.BundleProto;
import dev.prism.runtime.rpc.BundleRefProto;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.scheduler.BundleId;
import dev.prism.scheduler.ClusterResourceView;
import dev.prism.scheduler.LabelSelector;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeResources;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.PlacementGroupId;
import dev.prism.scheduler.ResourceRequest;
import dev.prism.scheduler.SchedulerException;
import dev.prism.scheduler.SchedulingDecision;
import dev.prism.scheduler.SchedulingPolicy;
import dev.prism.scheduler.SchedulingRequest;
import dev.prism.scheduler.SchedulingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where a lease request goes, with gpu-scheduler's standard policy over a cluster view
 * holding this node (whose grants it tracks) and the live remote nodes the GCS reports. Not thread
 * safe: guarded by the {@link LeaseScheduler}'s monitor.
 */
final class LeaseDecider {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseDecider.class);

  /** What to do with a request. */
  sealed interface Decision {
    /** Grant it here now. */
    record Local() implements Decision {}

    /** Queue it here until it fits. */
    record Queue() implements Decision {}

    /** Send the submitter to another node manager. */
    record Spill(Address nodeManager) implements Decision {}

    /** No node can ever fit it. */
    record Infeasible(String reason) implements Decision {}
  }

  private final NodeId localId;
  private final ClusterResourceView view = new ClusterResourceView();
  private final NodeResources local;
  private final SchedulingPolicy policy;
  private final Map<String, Address> remoteNodeManagers = new HashMap<>();

  /** Committed bundles on other nodes, from the GCS's view: group -> bundle index -> node id. */
  private final Map<PlacementGroupId, Map<Integer, String>> remoteBundles = new HashMap<>();

  LeaseDecider(NodeSpec localSpec, long seed) {
    this.localId = localSpec.id();
    this.local = view.addNode(localSpec);
    this.policy = SchedulingPolicy.standard(seed);
  }

  /** This node's accounting: allocate and free grants here. */
  NodeResources local() {
    return local;
  }

  NodeId localId() {
    return localId;
  }

  /**
   * Decides a request.
   *
   * @param lease the request
   * @param queuedSameShape whether a request of the same shape already waits here (FIFO: the new
   *     one must not overtake it)
   */
  Decision decide(Lease lease, boolean queuedSameShape) {
    ResourceRequest d = lease.demand;
    if (lease.bundle != null) {
      return decideBundle(lease, queuedSameShape);
    }
    LabelSelector sel = lease.selector;
    boolean labelsHere = sel.matches(local.labels());
    boolean feasibleHere = labelsHere && local.isFeasible(d);
    boolean fitsNow = feasibleHere && !queuedSameShape && local.isAvailable(d);
    if (lease.request.getGrantOrQueue()) {
      if (fitsNow) {
        return new Decision.Local();
      }
      if (feasibleHere) {
        return new Decision.Queue();
      }
      if (!labelsHere) {
        return new Decision.Infeasible(
            mismatch(localId, local.labels(), sel)
                + ", and the request may not be spilled back again");
      }
      return new Decision.Infeasible(
          "node "
              + localId
              + " (total "
              + local.total()
              + ") can never fit "
              + d
              + ", and the request may not be spilled back again");
    }
    Map<NodeId, Long> locality = new HashMap<>();
    lease
        .request
        .getLocalityBytesMap()
        .forEach(
            (node, bytes) -> {
              if (!node.isBlank() && bytes > 0) {
                locality.put(NodeId.of(node), bytes);
              }
            });
    SchedulingStrategy strategy = strategyOf(lease.request.getStrategy());
    if (strategy instanceof SchedulingStrategy.NodeAffinity a && !a.soft()) {
      return hardAffinity(a.node(), d, sel, feasibleHere, fitsNow);
    }
    SchedulingRequest sr =
        SchedulingRequest.builder(d)
            .localNode(localId)
            .labelSelector(sel)
            .argumentBytes(locality)
            .strategy(strategy)
            .build();
    return switch (policy.schedule(view, sr)) {
      case SchedulingDecision.Scheduled s when s.node().equals(localId) ->
          fitsNow ? new Decision.Local() : new Decision.Queue();
      case SchedulingDecision.Scheduled s -> spillTo(s.node(), d);
      case SchedulingDecision.Unavailable u ->
          feasibleHere ? new Decision.Queue() : spillToFeasible(d, sel, u.reason());
      case SchedulingDecision.Infeasible i -> new Decision.Infeasible(i.reason());
    };
  }

  /**
   * Hard node affinity: the lease runs on that node or nowhere. Here it is granted or queued; for
   * another node the submitter is sent there (to queue if busy), never served elsewhere.
   */
  private Decision hardAffinity(
      NodeId target, ResourceRequest d, LabelSelector sel, boolean feasibleHere, boolean fitsNow) {
    Map<String, String> targetLabels =
        target.equals(localId)
            ? local.labels()
            : view.node(target).map(NodeResources::labels).orElse(null);
    if (targetLabels != null && !sel.matches(targetLabels)) {
      return new Decision.Infeasible(
          "node affinity to "
              + target
              + " conflicts with the label selector: "
              + mismatch(target, targetLabels, sel)
              + "; drop one of them, or use soft affinity");
    }
    if (target.equals(localId)) {
      if (feasibleHere) {
        return fitsNow ? new Decision.Local() : new Decision.Queue();
      }
      return new Decision.Infeasible(
          "node affinity to "
              + target
              + ": the node (total "
              + local.total()
              + ") can never fit "
              + d);
    }
    Address address = remoteNodeManagers.get(target.value());
    if (address == null) {
      return new Decision.Infeasible(
          "node affinity to "
              + target
              + " cannot be met: no live"
              + " node with that id is known; use soft affinity to fall back to other nodes");
    }
    return new Decision.Spill(address);
  }

  /**
   * A lease into a placement-group bundle: granted or queued here when this node holds the bundle
   * (any bundle of the group for index -1); else spilled back to the node that holds it (from the
   * request's bundle locations, else from the GCS's view); refused when no node is known to hold it
   * (the group is not created yet, or was removed).
   */
  private Decision decideBundle(Lease lease, boolean queuedSameShape) {
    BundleId b = lease.bundle;
    ResourceRequest d = lease.demand;
    boolean here = false;
    for (BundleId held : local.bundleIds()) {
      here |= held.group().equals(b.group()) && (b.index() == BundleId.ANY || held.equals(b));
    }
    if (here && !lease.selector.matches(local.labels())) {
      return new Decision.Infeasible(
          "placement group bundle "
              + b
              + " is reserved on a node that does not match the label selector: "
              + mismatch(localId, local.labels(), lease.selector)
              + "; give the placement group the selector instead, or drop it from the request");
    }
    if (here) {
      SchedulingRequest sr =
          SchedulingRequest.builder(d)
              .localNode(localId)
              .strategy(SchedulingStrategy.placementGroup(b))
              .build();
      return switch (policy.schedule(view, sr)) {
        case SchedulingDecision.Scheduled s ->
            queuedSameShape ? new Decision.Queue() : new Decision.Local();
        case SchedulingDecision.Unavailable u -> new Decision.Queue();
        case SchedulingDecision.Infeasible i -> new Decision.Infeasible(i.reason());
      };
    }
    String target = null;
    List<String> fromRequest =
        lease.request.getStrategy().getPlacementGroup().getBundleNodeIdsList();
    Map<Integer, String> fromView = remoteBundles.getOrDefault(b.group(), Map.of());
    if (b.index() != BundleId.ANY) {
      target =
          b.index() < fromRequest.size() ? fromRequest.get(b.index()) : fromView.get(b.index());
    } else {
      for (String n : fromRequest.isEmpty() ? fromView.values() : fromRequest) {
        if (!n.equals(localId.value()) && remoteNodeManagers.containsKey(n)) {
          target = n;
          break;
        }
      }
    }
    if (target == null || target.isBlank()) {
      return new Decision.Infeasible(
          "placement group bundle "
              + b
              + " is not reserved on any"
              + " node known to "
              + localId
              + ": the group is not created yet or was removed"
              + " (wait with PlacementGroup.waitUntilReady before scheduling into it)");
    }
    if (target.equals(localId.value()) || lease.request.getGrantOrQueue()) {
      return new Decision.Infeasible(
          "placement group bundle "
              + b
              + " is not reserved on node "
              + localId
              + ": the placement group was removed");
    }
    Map<String, String> targetLabels =
        view.node(NodeId.of(target)).map(NodeResources::labels).orElse(null);
    if (targetLabels != null && !lease.selector.matches(targetLabels)) {
      return new Decision.Infeasible(
          "placement group bundle "
              + b
              + " is reserved on a node that does not match the label selector: "
              + mismatch(NodeId.of(target), targetLabels, lease.selector)
              + "; give the placement group the selector instead, or drop it from the request");
    }
    Address address = remoteNodeManagers.get(target);
    if (address == null) {
      return new Decision.Infeasible(
          "placement group bundle "
              + b
              + " is on node "
              + target
              + ", which is not alive; the group will be rescheduled");
    }
    return new Decision.Spill(address);
  }

  /** The bundle a request's strategy names, or null when it is not a placement-group one. */
  static BundleId bundleOf(SchedulingStrategyProto p) {
    if (p.getKindCase() != SchedulingStrategyProto.KindCase.PLACEMENT_GROUP) {
      return null;
    }
    BundleRefProto ref = p.getPlacementGroup();
    return new BundleId(
        groupId(ref.getPlacementGroupId()), Math.max(BundleId.ANY, ref.getBundleIndex()));
  }

  /** The scheduler's id of a placement group: its bytes in hex. */
  static PlacementGroupId groupId(ByteString id) {
    return PlacementGroupId.of(id.isEmpty() ? "-" : HexFormat.of().formatHex(id.toByteArray()));
  }

  /** How many live nodes this node knows, itself included. */
  int knownNodes() {
    return remoteNodeManagers.size() + 1;
  }

  /**
   * The label selector of a request's strategy.
   *
   * @throws dev.prism.scheduler.InvalidResourceException if it is malformed
   */
  static LabelSelector selectorOf(SchedulingStrategyProto p) {
    return p.getLabelSelectorCount() == 0
        ? LabelSelector.any()
        : LabelSelector.parse(p.getLabelSelectorMap());
  }

  /** Says that a node's labels do not match a selector. */
  static String mismatch(NodeId node, Map<String, String> labels, LabelSelector sel) {
    return "node "
        + node
        + " with labels "
        + new java.util.TreeMap<>(labels)
        + " does not match label selector "
        + sel;
  }

  /** The scheduler's form of a request's strategy. */
  static SchedulingStrategy strategyOf(SchedulingStrategyProto p) {
    return switch (p.getKindCase()) {
      case SPREAD -> p.getSpread() ? SchedulingStrategy.SPREAD : SchedulingStrategy.DEFAULT;
      case NODE_AFFINITY ->
          SchedulingStrategy.nodeAffinity(
              NodeId.of(p.getNodeAffinity().getNodeId()), p.getNodeAffinity().getSoft());
      case PLACEMENT_GROUP -> SchedulingStrategy.placementGroup(bundleOf(p));
      case KIND_NOT_SET -> SchedulingStrategy.DEFAULT;
    };
  }

  private Decision spillTo(NodeId node, ResourceRequest d) {
    Address target = remoteNodeManagers.get(node.value());
    if (target == null) {
      return new Decision.Queue();
    }
    // Count the spilled demand against the remote node until its next report says otherwise, so
    // a burst of requests does not all pick the same node.
    view.node(node)
        .ifPresent(
            n -> {
              if (d.resources().fitsIn(n.available())) {
                view.reportAvailable(node, n.available().minus(d.resources()));
              }
            });
    return new Decision.Spill(target);
  }

  private Decision spillToFeasible(ResourceRequest d, LabelSelector sel, String reason) {
    for (NodeResources n : view.nodes()) {
      Address target = remoteNodeManagers.get(n.id().value());
      if (!n.id().equals(localId) && target != null && sel.matches(n.labels()) && n.isFeasible(d)) {
        return new Decision.Spill(target);
      }
    }
    return new Decision.Infeasible(reason);
  }

  /**
   * What each node of the view offers in total (and, for a request with a label selector, its
   * labels), for messages about infeasible requests.
   */
  String offers(LabelSelector sel) {
    List<String> parts = new ArrayList<>();
    for (NodeResources n : view.nodes()) {
      if (parts.size() == 8) {
        parts.add("...");
        break;
      }
      String id = n.id().value();
      String labels = "";
      if (!sel.isEmpty()) {
        Map<String, String> shown = new java.util.TreeMap<>(n.labels());
        shown.remove(dev.prism.scheduler.Labels.NODE_ID);
        labels = " labels " + shown;
      }
      parts.add("node " + id.substring(0, Math.min(8, id.length())) + " " + n.total() + labels);
    }
    return "the cluster's nodes offer " + String.join("; ", parts);
  }

  /** Folds the GCS's view of the cluster into the remote part of the view. */
  void update(List<NodeInfo> nodes) {
    Set<String> seen = new HashSet<>();
    remoteBundles.clear();
    for (NodeInfo n : nodes) {
      if (n.getNodeId().equals(localId.value())) {
        continue;
      }
      if (n.getAlive()) {
        for (BundleProto bp : n.getBundlesList()) {
          remoteBundles
              .computeIfAbsent(groupId(bp.getPlacementGroupId()), k -> new HashMap<>())
              .put(bp.getBundleIndex(), n.getNodeId());
        }
      }
      NodeId id = NodeId.of(n.getNodeId());
      if (!n.getAlive()) {
        if (view.removeNode(id)) {
          LOG.info("node {} left the cluster view: {}", id, n.getDeathReason());
        }
        remoteNodeManagers.remove(id.value());
        continue;
      }
      seen.add(id.value());
      try {
        if (view.node(id).isEmpty()) {
          view.addNode(Protos.specOf(n));
          LOG.debug(
              "node {} at {}:{} joined the cluster view",
              id,
              n.getAddress().getHost(),
              n.getAddress().getPort());
        }
        view.reportAvailable(id, Protos.accountedFromProto(n.getAvailable()));
        remoteNodeManagers.put(id.value(), n.getAddress());
      } catch (SchedulerException e) {
        LOG.warn("ignoring node {} from the GCS: {}", id, e.getMessage());
      }
    }
    for (NodeResources n : view.nodes()) {
      if (!n.id().equals(localId) && !seen.contains(n.id().value())) {
        view.removeNode(n.id());
        remoteNodeManagers.remove(n.id().value());
      }
    }
  }
}
