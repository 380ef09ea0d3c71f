package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementGroupsTest {
  static final PlacementGroupId PG = PlacementGroupId.of("pg1");

  static ClusterResourceView cluster(int nodes, double cpus) {
    return SchedulingPolicyContractTest.cluster(nodes, cpus);
  }

  static PlacementGroupSpec spec(PlacementStrategy s, int bundles, double cpuEach) {
    return PlacementGroupSpec.of(
        PG, s, Collections.nCopies(bundles, ResourceSet.of("CPU", cpuEach)));
  }

  static List<NodeId> placed(PlacementPlan p) {
    assertThat(p).isInstanceOf(PlacementPlan.Placed.class);
    return ((PlacementPlan.Placed) p).nodes();
  }

  @Test
  void strictPackPutsEveryBundleOnOneNode() {
    ClusterResourceView c = cluster(3, 4);
    c.allocate(NodeId.of("n1"), ResourceRequest.of(ResourceSet.of("CPU", 1)));
    List<NodeId> nodes =
        placed(PlacementGroups.create(c, spec(PlacementStrategy.STRICT_PACK, 3, 1)));
    assertThat(new HashSet<>(nodes)).hasSize(1);
    // best fit: the already used node n1 has exactly 3 CPUs left
    assertThat(nodes.get(0)).isEqualTo(NodeId.of("n1"));
    assertThat(c.requireNode(NodeId.of("n1")).available().get("CPU")).isZero();
  }

  @Test
  void strictPackInfeasibleWhenNoNodeHoldsAll() {
    ClusterResourceView c = cluster(3, 4);
    PlacementPlan p = PlacementGroups.plan(c, spec(PlacementStrategy.STRICT_PACK, 3, 2));
    assertThat(p)
        .isEqualTo(
            new PlacementPlan.Infeasible(
                "placement group pg1 is infeasible: no single node can hold all 3 bundles {CPU=6} (STRICT_PACK)"));
  }

  @Test
  void packUsesFewNodesAndSpillsWhenNeeded() {
    ClusterResourceView c = cluster(3, 4);
    assertThat(new HashSet<>(placed(PlacementGroups.plan(c, spec(PlacementStrategy.PACK, 4, 1)))))
        .hasSize(1);
    List<NodeId> nodes = placed(PlacementGroups.plan(c, spec(PlacementStrategy.PACK, 3, 2)));
    assertThat(new HashSet<>(nodes)).hasSize(2);
    assertThat(nodes.get(0)).isEqualTo(nodes.get(1));
  }

  @Test
  void strictSpreadPutsEveryBundleOnADifferentNode() {
    ClusterResourceView c = cluster(4, 4);
    List<NodeId> nodes =
        placed(PlacementGroups.create(c, spec(PlacementStrategy.STRICT_SPREAD, 4, 1)));
    assertThat(new HashSet<>(nodes)).hasSize(4);
    assertThat(
            PlacementGroups.plan(
                c,
                PlacementGroupSpec.of(
                    PlacementGroupId.of("x"),
                    PlacementStrategy.STRICT_SPREAD,
                    Collections.nCopies(5, ResourceSet.of("CPU", 1)))))
        .isEqualTo(
            new PlacementPlan.Infeasible(
                "placement group x is infeasible: STRICT_SPREAD needs 5"
                    + " distinct nodes that fit its bundles, the cluster has 4 node(s)"));
  }

  @Test
  void spreadPrefersDistinctNodesButMayShare() {
    ClusterResourceView c = cluster(2, 4);
    List<NodeId> nodes = placed(PlacementGroups.plan(c, spec(PlacementStrategy.SPREAD, 2, 1)));
    assertThat(new HashSet<>(nodes)).hasSize(2);
    List<NodeId> more = placed(PlacementGroups.plan(c, spec(PlacementStrategy.SPREAD, 4, 1)));
    assertThat(new HashSet<>(more)).hasSize(2);
  }

  @Test
  void busyIsDistinctFromInfeasible() {
    ClusterResourceView c = cluster(2, 2);
    c.allocate(NodeId.of("n0"), ResourceRequest.of(ResourceSet.of("CPU", 2)));
    assertThat(PlacementGroups.create(c, spec(PlacementStrategy.STRICT_SPREAD, 2, 1)))
        .isEqualTo(
            new PlacementPlan.Unavailable(
                "placement group pg1 (STRICT_SPREAD, 2 bundles) fits the"
                    + " cluster but not the resources free now"));
    assertThat(c.requireNode(NodeId.of("n1")).available().get("CPU")).isEqualTo(2.0);
    assertThat(
            PlacementGroups.plan(
                c,
                PlacementGroupSpec.of(
                    PG, PlacementStrategy.PACK, List.of(ResourceSet.of("GPU", 1)))))
        .isEqualTo(
            new PlacementPlan.Infeasible(
                "placement group pg1 bundle 0 is infeasible: {GPU=1} is"
                    + " infeasible on 2 node(s): GPU needs 1 but the largest node total is 0"));
    assertThat(PlacementGroups.plan(new ClusterResourceView(), spec(PlacementStrategy.PACK, 1, 1)))
        .isEqualTo(
            new PlacementPlan.Infeasible(
                "placement group pg1 cannot be placed: the cluster has no nodes"));
  }

  @Test
  void twoPhaseStepsCanBeDrivenByTheCaller() {
    ClusterResourceView c = cluster(2, 4);
    PlacementGroupSpec s = spec(PlacementStrategy.STRICT_SPREAD, 2, 2);
    List<NodeId> nodes = placed(PlacementGroups.plan(c, s));
    ResourceSet before = c.availableResources();
    assertThat(c.prepareBundle(nodes.get(0), s.bundleId(0), s.bundles().get(0))).isTrue();
    assertThat(c.prepareBundle(nodes.get(1), s.bundleId(1), s.bundles().get(1))).isTrue();
    assertThat(c.availableResources().get("CPU")).isEqualTo(4.0);
    SchedulingRequest inBundle =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.placementGroup(s.bundleId(1)))
            .build();
    assertThat(SchedulingPolicy.standard(1).schedule(c, inBundle))
        .isEqualTo(
            new SchedulingDecision.Unavailable(
                "placement group bundle pg1[1] is prepared but not committed yet"));
    // abort: cancel returns the reservations
    assertThat(c.cancelBundle(nodes.get(0), s.bundleId(0))).isEqualTo(ResourceSet.of("CPU", 2));
    assertThat(c.cancelBundle(nodes.get(1), s.bundleId(1))).isEqualTo(ResourceSet.of("CPU", 2));
    assertThat(c.cancelBundle(nodes.get(1), s.bundleId(1))).isEqualTo(ResourceSet.empty());
    assertThat(c.availableResources()).isEqualTo(before);
    // retry and commit
    c.prepareBundle(nodes.get(0), s.bundleId(0), s.bundles().get(0));
    c.prepareBundle(nodes.get(1), s.bundleId(1), s.bundles().get(1));
    c.commitBundle(nodes.get(0), s.bundleId(0));
    c.commitBundle(nodes.get(1), s.bundleId(1));
    assertThat(c.bundleNode(s.bundleId(1))).contains(nodes.get(1));
    SchedulingDecision d = SchedulingPolicy.standard(1).schedule(c, inBundle);
    assertThat(d).isEqualTo(new SchedulingDecision.Scheduled(nodes.get(1)));
    Grant g = c.allocate(nodes.get(1), inBundle);
    assertThat(g.bundle()).contains(s.bundleId(1));
    assertThat(c.requireNode(nodes.get(1)).bundleAvailable(s.bundleId(1)).get("CPU"))
        .isEqualTo(1.0);
    assertThat(PlacementGroups.remove(c, PG)).isEqualTo(ResourceSet.of("CPU", 4));
    assertThat(c.availableResources()).isEqualTo(before);
    assertThat(c.free(g)).isFalse();
    assertThat(c.availableResources()).isEqualTo(before);
  }

  @Test
  void tasksScheduleIntoAnyBundleOfTheGroup() {
    ClusterResourceView c = cluster(2, 4);
    PlacementGroupSpec s = spec(PlacementStrategy.STRICT_SPREAD, 2, 1);
    PlacementGroups.create(c, s);
    SchedulingPolicy p = SchedulingPolicy.standard(3);
    SchedulingRequest any =
        SchedulingRequest.builder(ResourceSet.of("CPU", 1))
            .strategy(SchedulingStrategy.placementGroup(BundleId.of(PG, BundleId.ANY)))
            .build();
    for (int i = 0; i < 2; i++) {
      NodeId n = ((SchedulingDecision.Scheduled) p.schedule(c, any)).node();
      c.allocate(n, any);
    }
    assertThat(p.schedule(c, any))
        .isEqualTo(
            new SchedulingDecision.Unavailable(
                "placement group bundle pg1[*] has no room for {CPU=1} now"));
    SchedulingRequest big =
        SchedulingRequest.builder(ResourceSet.of("CPU", 2))
            .strategy(SchedulingStrategy.placementGroup(s.bundleId(0)))
            .build();
    assertThat(p.schedule(c, big))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "{CPU=2} can never fit placement group bundle pg1[0]: the request exceeds the bundle's reservation"));
  }

  @Test
  void removalReturnsExactlyWhatWasReservedIncludingGpus() {
    ClusterResourceView c = new ClusterResourceView();
    for (int i = 0; i < 3; i++) {
      c.addNode(
          NodeSpec.builder("g" + i)
              .cpu(8)
              .gpus(GpuInventory.logical(2, "H100", 80L << 30).devices())
              .build());
    }
    ResourceSet before = c.availableResources();
    List<ResourceRequest> bundles =
        List.of(
            new ResourceRequest(ResourceSet.of("CPU", 1, "GPU", 0.5), 30L << 30),
            ResourceRequest.of(ResourceSet.of("CPU", 2, "GPU", 1)),
            ResourceRequest.of(ResourceSet.of("CPU", 1, "GPU", 0.25)));
    PlacementGroupSpec s = new PlacementGroupSpec(PG, bundles, PlacementStrategy.PACK, null);
    placed(PlacementGroups.create(c, s));
    assertThat(c.availableResources()).isEqualTo(before.minus(s.totalDemand()));
    assertThatThrownBy(() -> PlacementGroups.create(c, s))
        .isInstanceOf(PlacementGroupException.class)
        .hasMessage(
            "placement group pg1 already has reserved bundles; remove it before creating it again");
    assertThat(PlacementGroups.remove(c, PG)).isEqualTo(s.totalDemand());
    assertThat(c.availableResources()).isEqualTo(before);
    for (NodeResources n : c.nodes()) {
      assertThat(n.gpuFreeFractions()).containsOnly(1.0);
      assertThat(n.gpuFreeMemory()).containsOnly(80L << 30);
    }
    assertThat(PlacementGroups.remove(c, PG)).isEqualTo(ResourceSet.empty());
  }

  @Test
  void labelSelectorConstrainsBundles() {
    ClusterResourceView c = cluster(4, 4);
    PlacementGroupSpec s =
        new PlacementGroupSpec(
            PG,
            Collections.nCopies(2, ResourceRequest.of(ResourceSet.of("CPU", 1))),
            PlacementStrategy.STRICT_SPREAD,
            LabelSelector.builder().equals("zone", "odd").build());
    List<NodeId> nodes = placed(PlacementGroups.plan(c, s));
    assertThat(nodes).containsExactlyInAnyOrder(NodeId.of("n1"), NodeId.of("n3"));
  }

  @Test
  void specValidation() {
    assertThatThrownBy(() -> PlacementGroupSpec.of(PG, PlacementStrategy.PACK, List.of()))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage("placement group pg1 has no bundles; give at least one bundle of resources");
    assertThatThrownBy(
            () ->
                PlacementGroupSpec.of(
                    PG,
                    PlacementStrategy.PACK,
                    List.of(ResourceSet.of("CPU", 1), ResourceSet.empty())))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "placement group pg1 bundle 1 is empty; give every bundle at least one resource (e.g. CPU=1)");
  }

  @Test
  void removingANodeDropsItsBundles() {
    ClusterResourceView c = cluster(2, 4);
    List<NodeId> nodes =
        placed(PlacementGroups.create(c, spec(PlacementStrategy.STRICT_SPREAD, 2, 1)));
    c.removeNode(nodes.get(0));
    assertThat(c.bundleNode(BundleId.of(PG, 0))).isEmpty();
    assertThat(c.bundleNode(BundleId.of(PG, 1))).contains(nodes.get(1));
    assertThat(PlacementGroups.remove(c, PG)).isEqualTo(ResourceSet.of("CPU", 1));
  }
}
