package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingPolicyTest {
  static final NodeId N0 = NodeId.of("n0");
  static final NodeId N1 = NodeId.of("n1");
  static final NodeId N2 = NodeId.of("n2");

  static ClusterResourceView cluster(int nodes, double cpus) {
    return SchedulingPolicyContractTest.cluster(nodes, cpus);
  }

  static SchedulingRequest cpu(double amount, NodeId local) {
    return SchedulingRequest.builder(ResourceSet.of("CPU", amount)).localNode(local).build();
  }

  static NodeId node(SchedulingDecision d) {
    assertThat(d).isInstanceOf(SchedulingDecision.Scheduled.class);
    return ((SchedulingDecision.Scheduled) d).node();
  }

  @Test
  void hybridPrefersLocalNodeUntilThresholdThenLeastLoaded() {
    ClusterResourceView c = cluster(3, 4);
    SchedulingPolicy p = SchedulingPolicy.hybrid(1);
    // local node n1 takes work while its CPU utilisation is below 0.5: 0/4 and 1/4 -> 2 tasks
    for (int i = 0; i < 2; i++) {
      assertThat(node(p.schedule(c, cpu(1, N1)))).isEqualTo(N1);
      c.allocate(N1, cpu(1, N1));
    }
    // now n1 is at 0.5: the least loaded node is chosen (n0 or n2, both idle)
    NodeId next = node(p.schedule(c, cpu(1, N1)));
    assertThat(next).isIn(N0, N2);
    c.allocate(next, cpu(1, N1));
    NodeId other = node(p.schedule(c, cpu(1, N1)));
    assertThat(other).isIn(N0, N2).isNotEqualTo(next);
  }

  @Test
  void hybridWithoutLocalNodePicksLeastLoaded() {
    ClusterResourceView c = cluster(3, 4);
    c.allocate(N0, cpu(3, null));
    c.allocate(N2, cpu(1, null));
    assertThat(node(SchedulingPolicy.hybrid(9).schedule(c, cpu(1, null)))).isEqualTo(N1);
  }

  @Test
  void hybridLocalNodeIsSkippedWhenFull() {
    ClusterResourceView c = cluster(2, 1);
    c.allocate(N0, cpu(1, null));
    assertThat(node(SchedulingPolicy.hybrid(1).schedule(c, cpu(1, N0)))).isEqualTo(N1);
  }

  @Test
  void hybridIsDeterministicForASeed() {
    List<NodeId> a = run(SchedulingPolicy.hybrid(new HybridOptions(0.5, 3, 4, 77)));
    List<NodeId> b = run(SchedulingPolicy.hybrid(new HybridOptions(0.5, 3, 4, 77)));
    assertThat(a).isEqualTo(b);
    assertThat(new HashSet<>(a)).hasSizeGreaterThan(3);
  }

  private static List<NodeId> run(SchedulingPolicy p) {
    ClusterResourceView c = cluster(20, 8);
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      NodeId n = node(p.schedule(c, cpu(1, null)));
      out.add(n);
      c.allocate(n, cpu(1, null));
    }
    return out;
  }

  @Test
  void hybridSampleFallsBackToFullScanSoAvailabilityIsNeverMissed() {
    ClusterResourceView c = cluster(50, 1);
    for (int i = 0; i < 49; i++) {
      c.allocate(NodeId.of("n" + i), cpu(1, null));
    }
    SchedulingPolicy p = SchedulingPolicy.hybrid(new HybridOptions(0.5, 1, 2, 3));
    for (int i = 0; i < 20; i++) {
      assertThat(node(p.schedule(c, cpu(1, null)))).isEqualTo(NodeId.of("n49"));
    }
  }

  @Test
  void hybridOptionsValidation() {
    assertThatThrownBy(() -> new HybridOptions(1.5, 1, 1, 0))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("spreadThreshold 1.5 is outside [0, 1]; use e.g. 0.5");
    assertThatThrownBy(() -> new HybridOptions(Double.NaN, 1, 1, 0))
        .hasMessage("spreadThreshold NaN is outside [0, 1]; use e.g. 0.5");
    assertThatThrownBy(() -> new HybridOptions(0.5, 0, 1, 0))
        .hasMessage("topK 0 must be at least 1");
    assertThatThrownBy(() -> new HybridOptions(0.5, 1, 0, 0))
        .hasMessage("maxNodesScanned 0 must be at least 1");
  }

  @Test
  void spreadIsRoundRobinOverFeasibleNodes() {
    ClusterResourceView c = cluster(3, 4);
    c.addNode(NodeSpec.builder("small").cpu(0.5).build());
    SchedulingPolicy p = SchedulingPolicy.spread();
    List<NodeId> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(node(p.schedule(c, cpu(1, null))));
    }
    assertThat(order).containsExactly(N0, N1, N2, N0, N1, N2);
  }

  @Test
  void hardAffinityGoesToThatNodeOrFails() {
    ClusterResourceView c = cluster(2, 1);
    SchedulingPolicy p = SchedulingPolicy.nodeAffinity(SchedulingPolicy.hybrid(1));
    SchedulingRequest r =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.nodeAffinity(N1, false))
            .build();
    assertThat(node(p.schedule(c, r))).isEqualTo(N1);
    c.allocate(N1, r);
    assertThat(p.schedule(c, r))
        .isEqualTo(
            new SchedulingDecision.Unavailable(
                "node n1 has {} available, not enough for {CPU=1} now"));
    SchedulingRequest big =
        SchedulingRequest.builder(ResourceSet.of("CPU", 2))
            .strategy(SchedulingStrategy.nodeAffinity(N1, false))
            .build();
    assertThat(p.schedule(c, big))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "node n1 can never fit {CPU=2}: its total is {CPU=1}"));
    SchedulingRequest gone =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.nodeAffinity(NodeId.of("gone"), false))
            .build();
    assertThat(p.schedule(c, gone))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "node affinity to gone cannot be met: the node is not in the cluster; use soft affinity to fall back"));
    SchedulingRequest labelled =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .labelSelector(LabelSelector.builder().equals("zone", "even").build())
            .strategy(SchedulingStrategy.nodeAffinity(N1, false))
            .build();
    assertThat(p.schedule(c, labelled))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "node affinity to n1 conflicts with label selector [zone EQUALS [even]]"));
  }

  @Test
  void softAffinityFallsBack() {
    ClusterResourceView c = cluster(2, 1);
    SchedulingPolicy p = SchedulingPolicy.nodeAffinity(SchedulingPolicy.hybrid(1));
    SchedulingRequest r =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.nodeAffinity(N1, true))
            .build();
    assertThat(node(p.schedule(c, r))).isEqualTo(N1);
    c.allocate(N1, r);
    assertThat(node(p.schedule(c, r))).isEqualTo(N0);
    SchedulingRequest gone =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.nodeAffinity(NodeId.of("gone"), true))
            .build();
    assertThat(node(p.schedule(c, gone))).isEqualTo(N0);
  }

  @Test
  void dataLocalityPrefersNodeWithMostArgumentBytes() {
    ClusterResourceView c = cluster(3, 2);
    SchedulingPolicy p = SchedulingPolicy.dataLocality(SchedulingPolicy.hybrid(1));
    SchedulingRequest r =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .localNode(N0)
            .argumentBytes(Map.of(N1, 1_000L, N2, 5_000L))
            .build();
    assertThat(node(p.schedule(c, r))).isEqualTo(N2);
    c.allocate(N2, r);
    c.allocate(N2, r);
    assertThat(node(p.schedule(c, r))).isEqualTo(N1);
    c.allocate(N1, r);
    c.allocate(N1, r);
    // no holder has room: fall back to hybrid (local node n0)
    assertThat(node(p.schedule(c, r))).isEqualTo(N0);
  }

  @Test
  void dataLocalityTiesAreDeterministic() {
    ClusterResourceView c = cluster(3, 2);
    SchedulingPolicy p = SchedulingPolicy.dataLocality(SchedulingPolicy.hybrid(1));
    SchedulingRequest r =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .argumentBytes(Map.of(N2, 10L, N1, 10L))
            .build();
    assertThat(node(p.schedule(c, r))).isEqualTo(N1);
    assertThatThrownBy(
            () ->
                SchedulingRequest.builder(ResourceSet.of("CPU", 1))
                    .argumentBytes(Map.of(N1, -1L))
                    .build())
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "argument bytes -1 on node n1 is negative; give the byte count held there (>= 0)");
  }

  @Test
  void labelSelectorOperators() {
    Map<String, String> labels = Map.of("zone", "eu", "accel", "H100");
    assertThat(LabelSelector.builder().equals("zone", "eu").build().matches(labels)).isTrue();
    assertThat(LabelSelector.builder().in("accel", "A100", "H100").build().matches(labels))
        .isTrue();
    assertThat(LabelSelector.builder().in("accel", "A100").build().matches(labels)).isFalse();
    assertThat(LabelSelector.builder().notIn("zone", "us").build().matches(labels)).isTrue();
    assertThat(LabelSelector.builder().notIn("missing", "x").build().matches(labels)).isTrue();
    assertThat(LabelSelector.builder().notIn("zone", "eu").build().matches(labels)).isFalse();
    assertThat(LabelSelector.builder().exists("zone").build().matches(labels)).isTrue();
    assertThat(LabelSelector.builder().exists("rack").build().matches(labels)).isFalse();
    assertThat(LabelSelector.builder().doesNotExist("rack").build().matches(labels)).isTrue();
    assertThat(LabelSelector.builder().equals("zone", "eu").exists("rack").build().matches(labels))
        .isFalse();
    assertThat(LabelSelector.any().matches(labels)).isTrue();
  }

  @Test
  void labelSelectorValidation() {
    assertThatThrownBy(() -> LabelSelector.builder().in("zone").build())
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "label constraint zone IN needs at least one value; use EXISTS/DOES_NOT_EXIST to test presence");
    assertThatThrownBy(
            () ->
                new LabelSelector.Constraint(
                    "zone", LabelSelector.Operator.EQUALS, java.util.Set.of("a", "b")))
        .hasMessageStartingWith("label constraint zone EQUALS needs exactly one value, got");
    assertThatThrownBy(
            () ->
                new LabelSelector.Constraint(
                    "zone", LabelSelector.Operator.EXISTS, java.util.Set.of("a")))
        .hasMessage("label constraint zone EXISTS takes no values, got [a]");
    assertThatThrownBy(() -> LabelSelector.builder().exists(" ").build())
        .hasMessage("label key ' ' is blank; give a label name");
  }

  @Test
  void acceleratorTypeLabelSelectsGpuNodes() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder("a100").gpus(GpuInventory.logical(1, "A100", 0).devices()).build());
    c.addNode(NodeSpec.builder("h100").gpus(GpuInventory.logical(1, "H100", 0).devices()).build());
    SchedulingRequest r =
        SchedulingRequest.builder(ResourceSet.of("GPU", 1))
            .labelSelector(LabelSelector.builder().equals(Labels.ACCELERATOR_TYPE, "H100").build())
            .build();
    SchedulingPolicy p = SchedulingPolicy.hybrid(4);
    for (int i = 0; i < 5; i++) {
      assertThat(node(p.schedule(c, r))).isEqualTo(NodeId.of("h100"));
    }
  }

  @Test
  void gpuMemoryInfeasibilityExplainsLargestDevice() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(
        NodeSpec.builder("g").gpus(GpuInventory.logical(2, "L4", 24L << 30).devices()).build());
    SchedulingRequest r =
        SchedulingRequest.of(
            ResourceRequest.of(ResourceSet.of("GPU", 0.5)).withGpuMemory(40L << 30));
    assertThat(SchedulingPolicy.hybrid(1).schedule(c, r))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "{GPU=0.5} with 42949672960 bytes of GPU memory per device is infeasible on 1 node(s): needs "
                    + "42949672960 bytes of GPU memory per device but the largest GPU has 25769803776"));
    c.addNode(NodeSpec.builder("combo").cpu(1).build());
    SchedulingRequest both = SchedulingRequest.of(ResourceSet.of("CPU", 1, "GPU", 1));
    assertThat(SchedulingPolicy.hybrid(1).schedule(c, both))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "{CPU=1, GPU=1} is infeasible on 2 node(s): no single node offers all of it at once"));
  }

  @Test
  void standardPolicyDispatchesOnStrategy() {
    ClusterResourceView c = cluster(3, 4);
    SchedulingPolicy p = SchedulingPolicy.standard(11);
    SchedulingRequest spread =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.SPREAD)
            .build();
    assertThat(
            List.of(
                node(p.schedule(c, spread)),
                node(p.schedule(c, spread)),
                node(p.schedule(c, spread))))
        .containsExactly(N0, N1, N2);
    SchedulingRequest pin =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.nodeAffinity(N2, false))
            .build();
    assertThat(node(p.schedule(c, pin))).isEqualTo(N2);
    SchedulingRequest local =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1)).localNode(N1).build();
    assertThat(node(p.schedule(c, local))).isEqualTo(N1);
    SchedulingRequest data =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .localNode(N1)
            .argumentBytes(Map.of(N0, 1L))
            .build();
    assertThat(node(p.schedule(c, data))).isEqualTo(N0);
    SchedulingRequest pg =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(
                SchedulingStrategy.placementGroup(BundleId.of(PlacementGroupId.of("none"), 0)))
            .build();
    assertThat(p.schedule(c, pg))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "placement group bundle none[0] is not reserved on any node; create the group (or wait for it) first"));
    assertThat(SchedulingPolicy.placementGroupBundle().schedule(c, local))
        .isInstanceOf(SchedulingDecision.Infeasible.class);
  }

  @Test
  void hybridTopKPicksRandomlyAmongTheKLeastLoaded() {
    ClusterResourceView c = cluster(5, 10);
    for (int i = 0; i < 5; i++) {
      c.allocate(NodeId.of("n" + i), cpu(1 + 2 * i, null)); // n0 least loaded ... n4 most
    }
    SchedulingPolicy p = SchedulingPolicy.hybrid(new HybridOptions(0.5, 2, Integer.MAX_VALUE, 21));
    java.util.Set<NodeId> picks = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      picks.add(node(p.schedule(c, cpu(1, null))));
    }
    assertThat(picks).containsExactlyInAnyOrder(N0, N1);
  }
}
