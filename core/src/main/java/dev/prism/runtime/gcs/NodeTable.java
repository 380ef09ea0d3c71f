package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.BundleProto;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node table: every node that registered, alive or dead, with its last report time. Thread safe
 * (one monitor); callers notify listeners outside it.
 */
final class NodeTable {

  /** The outcome of a resource report. */
  enum ReportOutcome {
    /** Recorded. */
    OK,
    /** No node with that id registered. */
    UNKNOWN,
    /** The node was already declared dead. */
    DEAD
  }

  private static final class Entry {
    NodeInfo info;
    Instant lastSeen;

    Entry(NodeInfo info, Instant lastSeen) {
      this.info = info;
      this.lastSeen = lastSeen;
    }
  }

  private final InstantSource clock;
  private final Duration timeout;
  private final Map<String, Entry> nodes = new LinkedHashMap<>();

  NodeTable(InstantSource clock, Duration timeout) {
    this.clock = clock;
    this.timeout = timeout;
  }

  /** Registers (or re-registers) a node as alive; its available amounts start at its totals. */
  synchronized NodeInfo register(NodeInfo node) {
    NodeInfo.Builder b = node.toBuilder().setAlive(true).clearDeathReason();
    if (!node.hasAvailable()) {
      b.setAvailable(node.getTotal());
    }
    NodeInfo info = b.build();
    nodes.put(info.getNodeId(), new Entry(info, clock.instant()));
    return info;
  }

  /** Marks a node dead; returns it when it was alive. */
  synchronized Optional<NodeInfo> markDead(String nodeId, String reason) {
    Entry e = nodes.get(nodeId);
    if (e == null || !e.info.getAlive()) {
      return Optional.empty();
    }
    e.info = e.info.toBuilder().setAlive(false).setDeathReason(reason).build();
    return Optional.of(e.info);
  }

  /** Records what a node has available, and that it is alive now. */
  synchronized ReportOutcome report(String nodeId, ResourceAmounts available) {
    return report(nodeId, available, List.of());
  }

  /**
   * Records what a node has available and the infeasible demands it saw lately (replacing those it
   * reported before), and that it is alive now.
   */
  synchronized ReportOutcome report(
      String nodeId,
      ResourceAmounts available,
      List<dev.prism.runtime.rpc.InfeasibleDemand> infeasible) {
    Entry e = nodes.get(nodeId);
    if (e == null) {
      return ReportOutcome.UNKNOWN;
    }
    if (!e.info.getAlive()) {
      return ReportOutcome.DEAD;
    }
    e.info =
        e.info.toBuilder()
            .setAvailable(available)
            .clearInfeasibleDemands()
            .addAllInfeasibleDemands(infeasible)
            .build();
    e.lastSeen = clock.instant();
    return ReportOutcome.OK;
  }

  /** Records placement-group bundles committed on a node (shown in its info). */
  synchronized void addBundles(String nodeId, List<BundleProto> bundles) {
    Entry e = nodes.get(nodeId);
    if (e != null) {
      e.info = e.info.toBuilder().addAllBundles(bundles).build();
    }
  }

  /** Forgets a placement group's bundles on every node. */
  synchronized void removeBundles(ByteString groupId) {
    for (Entry e : nodes.values()) {
      if (e.info.getBundlesList().stream().anyMatch(b -> b.getPlacementGroupId().equals(groupId))) {
        List<BundleProto> kept =
            e.info.getBundlesList().stream()
                .filter(b -> !b.getPlacementGroupId().equals(groupId))
                .toList();
        e.info = e.info.toBuilder().clearBundles().addAllBundles(kept).build();
      }
    }
  }

  /** Returns every node, alive and dead, in registration order. */
  synchronized List<NodeInfo> all() {
    List<NodeInfo> out = new ArrayList<>(nodes.size());
    for (Entry e : nodes.values()) {
      out.add(e.info);
    }
    return out;
  }

  /** Returns one node. */
  synchronized Optional<NodeInfo> get(String nodeId) {
    Entry e = nodes.get(nodeId);
    return e == null ? Optional.empty() : Optional.of(e.info);
  }

  /** Declares dead every alive node silent for longer than the timeout; returns them. */
  synchronized List<NodeInfo> expireSilent() {
    Instant now = clock.instant();
    List<NodeInfo> died = new ArrayList<>();
    for (Entry e : nodes.values()) {
      if (!e.info.getAlive()) {
        continue;
      }
      Duration silent = Duration.between(e.lastSeen, now);
      if (silent.compareTo(timeout) > 0) {
        e.info =
            e.info.toBuilder()
                .setAlive(false)
                .setDeathReason(
                    "no resource report for "
                        + silent.toMillis()
                        + " ms (timeout "
                        + timeout.toMillis()
                        + " ms)")
                .build();
        died.add(e.info);
      }
    }
    return died;
  }
}
