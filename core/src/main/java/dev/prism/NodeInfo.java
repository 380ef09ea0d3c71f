package dev.prism;

import java.util.Map;
import java.util.Objects;

/**
 * A node of the cluster as the GCS sees it (Ray's {@code ray.nodes()} entries).
 *
 * @param nodeId the node's id, as {@link RuntimeContext#nodeId()} and {@link
 *     SchedulingStrategy#nodeAffinity} name it
 * @param host the address its node manager listens on
 * @param alive whether the node is alive; a dead node stays listed with its reason
 * @param deathReason why the node is dead; empty while it is alive
 * @param total the node's resources (CPU, GPU, memory, custom), in their units
 * @param available what is free of them now (as last reported)
 * @param labels the node's labels
 */
public record NodeInfo(
    String nodeId,
    String host,
    boolean alive,
    String deathReason,
    Map<String, Double> total,
    Map<String, Double> available,
    Map<String, String> labels) {

  /**
   * Validates and copies the maps.
   *
   * @param nodeId the node's id
   * @param host its host
   * @param alive whether it is alive
   * @param deathReason why it is dead, or empty
   * @param total its resources
   * @param available its free resources
   * @param labels its labels
   */
  public NodeInfo {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(deathReason, "deathReason");
    total = Map.copyOf(total);
    available = Map.copyOf(available);
    labels = Map.copyOf(labels);
  }
}
