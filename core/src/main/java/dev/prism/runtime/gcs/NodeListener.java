package dev.prism.runtime.gcs;

import dev.prism.runtime.rpc.NodeInfo;

/**
 * Learns about membership changes in a {@link GcsServer}. Callbacks run on a GCS thread outside its
 * locks; keep them short.
 */
public interface NodeListener {

  /**
   * A node registered (or registered again).
   *
   * @param node the node as registered
   */
  default void nodeAdded(NodeInfo node) {}

  /**
   * A node was declared dead: it unregistered or its resource reports stopped.
   *
   * @param node the node, with {@code alive} false and the death reason set
   */
  default void nodeDied(NodeInfo node) {}
}
