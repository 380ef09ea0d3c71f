package dev.prism.runtime.driver;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.BundleRefProto;
import dev.prism.runtime.rpc.ConcurrencyGroupProto;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.NodeAffinityProto;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.RuntimeEnvProto;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.runtime.spi.ActorSettings;
import dev.prism.runtime.spi.ConcurrencyGroupSettings;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.Placement;
import dev.prism.runtime.spi.TaskSettings;
import dev.prism.runtime.worker.ActorOptions;
import dev.prism.runtime.worker.TaskOptions;
import dev.prism.scheduler.FixedPoint;
import java.util.HexFormat;
import java.util.Map;

/** The wire forms of the API's requests: resource amounts, placements and options. */
final class WireForms {

  private static final SchedulingStrategyProto SPREAD =
      SchedulingStrategyProto.newBuilder().setSpread(true).build();

  private WireForms() {}

  /** Task options in the core worker's form. */
  static TaskOptions taskOptions(TaskSettings s, RuntimeEnvProto env) {
    return new TaskOptions(
        resources(s.resources()),
        s.maxRetries(),
        s.retryExceptions(),
        s.name(),
        strategy(s.placement(), s.labelSelector()),
        env);
  }

  /** Actor options in the core worker's form. */
  static ActorOptions actorOptions(ActorSettings s, RuntimeEnvProto env) {
    return new ActorOptions(
        resources(s.resources()),
        s.name(),
        s.namespace(),
        s.detached(),
        s.maxRestarts(),
        s.maxTaskRetries(),
        s.maxConcurrency(),
        s.maxPendingCalls(),
        strategy(s.placement(), s.labelSelector()),
        env,
        s.concurrencyGroups().stream().map(WireForms::concurrencyGroup).toList());
  }

  /** A named concurrency group as it travels in the actor's creation spec. */
  static ConcurrencyGroupProto concurrencyGroup(ConcurrencyGroupSettings g) {
    ConcurrencyGroupProto.Builder proto =
        ConcurrencyGroupProto.newBuilder().setName(g.name()).setMaxConcurrency(g.maxConcurrency());
    for (FunctionDescriptor m : g.methods()) {
      proto.addMethods(
          FunctionDescriptorProto.newBuilder()
              .setClassName(m.className())
              .setMethodName(m.methodName())
              .setSignature(m.signature())
              .setKind(FunctionDescriptorProto.Kind.forNumber(m.kind().ordinal())));
    }
    return proto.build();
  }

  /** Resource amounts in fixed point; amounts of 0 are left out. */
  static ResourceAmounts resources(Map<String, Double> amounts) {
    ResourceAmounts.Builder fixed = ResourceAmounts.newBuilder();
    amounts.forEach(
        (k, v) -> {
          if (v > 0) {
            fixed.putAmounts(k, FixedPoint.toFixed(k, v));
          }
        });
    return fixed.build();
  }

  /** A placement and a label selector as a scheduling strategy. */
  static SchedulingStrategyProto strategy(Placement placement, Map<String, String> labelSelector) {
    SchedulingStrategyProto s = strategy(placement);
    return labelSelector.isEmpty() ? s : s.toBuilder().putAllLabelSelector(labelSelector).build();
  }

  /** A placement as a scheduling strategy. */
  static SchedulingStrategyProto strategy(Placement placement) {
    return switch (placement) {
      case Placement.DefaultPolicy d -> SchedulingStrategyProto.getDefaultInstance();
      case Placement.Spread s -> SPREAD;
      case Placement.NodeAffinity a ->
          SchedulingStrategyProto.newBuilder()
              .setNodeAffinity(
                  NodeAffinityProto.newBuilder().setNodeId(a.nodeId()).setSoft(a.soft()))
              .build();
      case Placement.Bundle b ->
          SchedulingStrategyProto.newBuilder()
              .setPlacementGroup(
                  BundleRefProto.newBuilder()
                      .setPlacementGroupId(groupId(b.groupId()))
                      .setBundleIndex(b.bundleIndex())
                      .addAllBundleNodeIds(b.bundleNodeIds()))
              .build();
    };
  }

  /**
   * A placement group id from its hex form.
   *
   * @throws IllegalArgumentException if it is not hex
   */
  static ByteString groupId(String hex) {
    try {
      return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("placement group id '" + hex + "' is not hex", e);
    }
  }
}
