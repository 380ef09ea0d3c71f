package dev.prism.runtime.node;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's nodes as this node manager last heard of them from the GCS (the replies to its
 * resource reports): where each node's manager listens, and which nodes died. Thread-safe.
 */
final class NodeDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);

  /** Where a node is, or why it cannot be reached. */
  sealed interface Lookup {
    /** The node is alive at this node-manager address. */
    record Alive(Address address) implements Lookup {}

    /** The node cannot be reached: why (unknown, or dead and the death's reason). */
    record Unavailable(String reason) implements Lookup {}
  }

  private final Map<String, NodeInfo> nodes = new ConcurrentHashMap<>();
  private final List<Consumer<NodeInfo>> deathListeners = new CopyOnWriteArrayList<>();
  private final Supplier<List<NodeInfo>> refresh;

  /**
   * @param refresh reads the GCS's node table now (for a node not heard of yet), or null without a
   *     GCS
   */
  NodeDirectory(Supplier<List<NodeInfo>> refresh) {
    this.refresh = refresh;
  }

  /**
   * Calls {@code listener} with each node this directory hears has died (once per death, on the
   * thread that folds in the GCS's view).
   */
  void onDeath(Consumer<NodeInfo> listener) {
    deathListeners.add(listener);
  }

  /** Folds in the GCS's view of the cluster (every node it knows, dead ones included). */
  void update(List<NodeInfo> view) {
    for (NodeInfo n : view) {
      NodeInfo before = nodes.put(n.getNodeId(), n);
      if (!n.getAlive() && before != null && before.getAlive()) {
        for (Consumer<NodeInfo> l : deathListeners) {
          try {
            l.accept(n);
          } catch (RuntimeException e) {
            LOG.warn("a listener of node {}'s death failed", n.getNodeId(), e);
          }
        }
      }
    }
  }

  /**
   * Finds a node's manager; asks the GCS once when the node was not heard of yet (it may have
   * joined after this node's last report).
   */
  Lookup find(String nodeId) {
    NodeInfo n = nodes.get(nodeId);
    if (n == null && refresh != null) {
      try {
        update(refresh.get());
      } catch (RuntimeException e) {
        LOG.debug("reading the GCS's node table failed: {}", e.toString());
      }
      n = nodes.get(nodeId);
    }
    if (n == null) {
      return new Lookup.Unavailable(
          "node "
              + nodeId
              + " is unknown to the cluster"
              + (refresh == null ? " (this node has no GCS)" : " (not in the GCS's node table)"));
    }
    if (!n.getAlive()) {
      return new Lookup.Unavailable(
          "node "
              + nodeId
              + " is dead"
              + (n.getDeathReason().isBlank() ? "" : " (" + n.getDeathReason() + ")"));
    }
    return new Lookup.Alive(n.getAddress());
  }
}
