package dev.prism;

import dev.prism.runtime.rpc.NodeAffinityProto;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import java.util.Objects;

/**
 * Where a task or an actor should run, as Ray's scheduling strategies: the default policy (pack
 * onto the caller's node, then spread to the least loaded, preferring the node that holds most
 * of the arguments' bytes), spread over the nodes, or a given node. Set it with
 * {@link TaskCaller#setSchedulingStrategy} or {@link ActorCreator#setSchedulingStrategy}.
 */
public final class SchedulingStrategy {

  private static final SchedulingStrategy DEFAULT =
      new SchedulingStrategy(SchedulingStrategyProto.getDefaultInstance(), "default");
  private static final SchedulingStrategy SPREAD = new SchedulingStrategy(
      SchedulingStrategyProto.newBuilder().setSpread(true).build(), "spread");

  private final SchedulingStrategyProto proto;
  private final String description;

  private SchedulingStrategy(SchedulingStrategyProto proto, String description) {
    this.proto = proto;
    this.description = description;
  }

  /**
   * The default policy.
   *
   * @return it
   */
  public static SchedulingStrategy defaultStrategy() {
    return DEFAULT;
  }

  /**
   * Spreads tasks or actors over the nodes that can run them (Ray's {@code "SPREAD"}).
   *
   * @return the strategy
   */
  public static SchedulingStrategy spread() {
    return SPREAD;
  }

  /**
   * Runs on one node (Ray's {@code NodeAffinitySchedulingStrategy}). Hard affinity waits for
   * that node (and fails at once if it is unknown or dead); soft affinity runs elsewhere when it
   * cannot.
   *
   * @param nodeId the node's id (see {@link RuntimeContext#nodeId()})
   * @param soft whether another node may be used when that one cannot run it
   * @return the strategy
   * @throws IllegalArgumentException if the node id is blank
   */
  public static SchedulingStrategy nodeAffinity(String nodeId, boolean soft) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("the node id is null or blank");
    }
    return new SchedulingStrategy(SchedulingStrategyProto.newBuilder()
        .setNodeAffinity(NodeAffinityProto.newBuilder().setNodeId(nodeId).setSoft(soft))
        .build(), "node affinity to " + nodeId + (soft ? " (soft)" : ""));
  }

  /** The wire form (internal). */
  SchedulingStrategyProto toProto() {
    return proto;
  }

  /** Makes a strategy from its wire form (for the runtime's other strategies). */
  static SchedulingStrategy of(SchedulingStrategyProto proto, String description) {
    return new SchedulingStrategy(Objects.requireNonNull(proto), description);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchedulingStrategy s && s.proto.equals(proto);
  }

  @Override
  public int hashCode() {
    return proto.hashCode();
  }

  @Override
  public String toString() {
    return "SchedulingStrategy(" + description + ")";
  }
}
