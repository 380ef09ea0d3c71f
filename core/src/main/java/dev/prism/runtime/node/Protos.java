package dev.prism.runtime.node;

import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.scheduler.FixedPoint;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.ResourceSet;
import java.util.Map;

/** Conversions between the wire's fixed-point amounts and gpu-scheduler's resource sets. */
final class Protos {

  private Protos() {}

  static ResourceAmounts toProto(ResourceSet set) {
    ResourceAmounts.Builder b = ResourceAmounts.newBuilder();
    for (String name : set.names()) {
      b.putAmounts(name, set.getFixed(name));
    }
    return b.build();
  }

  /**
   * Reads fixed-point amounts.
   *
   * @throws dev.prism.scheduler.InvalidResourceException if an amount is negative or invalid
   */
  static ResourceSet fromProto(ResourceAmounts amounts) {
    ResourceSet.Builder b = ResourceSet.builder();
    for (Map.Entry<String, Long> e : amounts.getAmountsMap().entrySet()) {
      b.set(e.getKey(), FixedPoint.toDouble(e.getValue()));
    }
    return b.build();
  }

  /**
   * Amounts a node accounts (its total, what is available now), not a request: fractions above 1
   * are fine (1.5 CPUs free while a 0.5-CPU task runs on 2).
   */
  static ResourceSet accountedFromProto(ResourceAmounts amounts) {
    ResourceSet.Builder b = ResourceSet.builder();
    for (Map.Entry<String, Long> e : amounts.getAmountsMap().entrySet()) {
      b.setFixed(e.getKey(), e.getValue());
    }
    return b.build();
  }

  /** The scheduler's spec of a remote node as the GCS knows it (logical GPUs). */
  static NodeSpec specOf(NodeInfo node) {
    NodeSpec.Builder b = NodeSpec.builder(NodeId.of(node.getNodeId()));
    ResourceSet total = accountedFromProto(node.getTotal());
    for (String name : total.names()) {
      b.resource(name, total.get(name));
    }
    node.getLabelsMap().forEach(b::label);
    return b.build();
  }
}
