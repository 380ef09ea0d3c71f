package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Property-based checks of the accounting, placement and fixed-point invariants. */
class SchedulerPropertiesTest {
  static final long GIB = 1L << 30;

  /** One step of a random workload: allocate a request, or free the i-th held grant. */
  record Step(boolean allocate, ResourceRequest request, int freeIndex) {}

  @Provide
  Arbitrary<ResourceRequest> requests() {
    Arbitrary<Double> cpu = Arbitraries.of(0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0);
    Arbitrary<Double> gpu = Arbitraries.of(0.0, 0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0);
    Arbitrary<Double> custom = Arbitraries.of(0.0, 0.3, 1.0);
    Arbitrary<Long> mem = Arbitraries.of(0L, 0L, 4 * GIB, 20 * GIB, 50 * GIB);
    return Combinators.combine(cpu, gpu, custom, mem)
        .as(
            (c, g, x, m) -> {
              ResourceSet s = ResourceSet.builder().cpu(c).gpu(g).set("accel", x).build();
              if (s.isEmpty()) {
                s = ResourceSet.of("CPU", 0.5);
              }
              return new ResourceRequest(s, g > 0 ? m : 0);
            });
  }

  @Provide
  Arbitrary<List<Step>> workloads() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 9),
                requests(),
                Arbitraries.integers().between(0, 1000))
            .as((k, r, i) -> new Step(k < 6, r, i));
    return step.list().ofMinSize(1).ofMaxSize(200);
  }

  static NodeResources node() {
    List<GpuDevice> gpus =
        List.of(
            GpuDevice.logical(0, "A", 80 * GIB),
            GpuDevice.logical(1, "B", 40 * GIB),
            GpuDevice.logical(2, "C", 24 * GIB));
    return NodeResources.of(NodeSpec.builder("n").cpu(8).resource("accel", 2).gpus(gpus).build());
  }

  @Property(tries = 300)
  void allocateFreeNeverExceedsCapacityAndReturnsToInitialState(
      @ForAll("workloads") List<Step> steps) {
    NodeResources n = node();
    ResourceSet initial = n.available();
    List<Double> initialFractions = n.gpuFreeFractions();
    List<Long> initialMemory = n.gpuFreeMemory();
    List<Grant> held = new ArrayList<>();
    for (Step s : steps) {
      if (s.allocate() || held.isEmpty()) {
        n.tryAllocate(s.request()).ifPresent(held::add);
      } else {
        n.free(held.remove(s.freeIndex() % held.size()));
      }
      assertWithinCapacity(n);
    }
    for (Grant g : held) {
      n.free(g);
    }
    assertThat(n.available()).isEqualTo(initial);
    assertThat(n.gpuFreeFractions()).isEqualTo(initialFractions);
    assertThat(n.gpuFreeMemory()).isEqualTo(initialMemory);
  }

  static void assertWithinCapacity(NodeResources n) {
    ResourceSet total = n.total();
    ResourceSet avail = n.available();
    for (String name : total.names()) {
      assertThat(avail.get(name)).isBetween(0.0, total.get(name));
    }
    assertThat(avail.fitsIn(total)).isTrue();
    List<Long> mem = n.gpuFreeMemory();
    for (int i = 0; i < mem.size(); i++) {
      assertThat(n.gpuFreeFractions().get(i)).isBetween(0.0, 1.0);
      assertThat(mem.get(i)).isBetween(0L, n.gpus().get(i).totalMemoryBytes());
    }
    double sumFree = n.gpuFreeFractions().stream().mapToDouble(Double::doubleValue).sum();
    assertThat(avail.get("GPU")).isCloseTo(sumFree, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Provide
  Arbitrary<ClusterResourceView> clusters() {
    Arbitrary<NodeSpec.Builder> node =
        Combinators.combine(
                Arbitraries.integers().between(1, 8), Arbitraries.integers().between(0, 2))
            .as((c, g) -> NodeSpec.builder("x").cpu(c).gpu(g));
    return Combinators.combine(
            Arbitraries.integers().between(1, 8),
            Arbitraries.integers().between(1, 8).list().ofSize(8),
            Arbitraries.integers().between(0, 2).list().ofSize(8),
            Arbitraries.integers().between(0, 3).list().ofSize(8))
        .as(
            (count, cpus, gpus, preUsed) -> {
              ClusterResourceView c = new ClusterResourceView();
              for (int i = 0; i < count; i++) {
                NodeResources n =
                    c.addNode(NodeSpec.builder("n" + i).cpu(cpus.get(i)).gpu(gpus.get(i)).build());
                int used = Math.min(preUsed.get(i), cpus.get(i));
                if (used > 0) {
                  n.allocate(ResourceRequest.of(ResourceSet.of("CPU", used)));
                }
              }
              return c;
            });
  }

  @Provide
  Arbitrary<List<ResourceRequest>> bundles() {
    Arbitrary<ResourceRequest> b =
        Combinators.combine(Arbitraries.of(0.5, 1.0, 2.0, 3.0), Arbitraries.of(0.0, 0.0, 0.5, 1.0))
            .as((c, g) -> ResourceRequest.of(ResourceSet.builder().cpu(c).gpu(g).build()));
    return b.list().ofMinSize(1).ofMaxSize(5);
  }

  @Property(tries = 400)
  void placementStrategiesKeepTheirInvariants(
      @ForAll("clusters") ClusterResourceView c,
      @ForAll("bundles") List<ResourceRequest> bundles,
      @ForAll PlacementStrategy strategy) {
    PlacementGroupId id = PlacementGroupId.of("pg");
    PlacementGroupSpec spec = new PlacementGroupSpec(id, bundles, strategy, null);
    ResourceSet before = c.availableResources();
    List<List<Double>> gpuBefore = c.nodes().stream().map(NodeResources::gpuFreeFractions).toList();
    PlacementPlan plan = PlacementGroups.create(c, spec);
    if (plan instanceof PlacementPlan.Placed placed) {
      List<NodeId> nodes = placed.nodes();
      assertThat(nodes).hasSize(bundles.size());
      if (strategy == PlacementStrategy.STRICT_SPREAD) {
        assertThat(new HashSet<>(nodes)).hasSize(nodes.size());
      }
      if (strategy == PlacementStrategy.STRICT_PACK) {
        assertThat(new HashSet<>(nodes)).hasSize(1);
      }
      for (int i = 0; i < nodes.size(); i++) {
        assertThat(c.bundleNode(spec.bundleId(i))).contains(nodes.get(i));
        assertThat(c.requireNode(nodes.get(i)).bundleState(spec.bundleId(i)))
            .contains(NodeResources.BundleState.COMMITTED);
      }
      assertThat(c.availableResources()).isEqualTo(before.minus(spec.totalDemand()));
      for (NodeResources n : c.nodes()) {
        assertWithinCapacity(n);
      }
      assertThat(PlacementGroups.remove(c, id)).isEqualTo(spec.totalDemand());
    } else {
      for (int i = 0; i < bundles.size(); i++) {
        assertThat(c.bundleNode(spec.bundleId(i))).isEmpty();
      }
      if (plan instanceof PlacementPlan.Infeasible) {
        // with every node empty it still must not fit
        ClusterResourceView fresh = new ClusterResourceView();
        c.nodes().forEach(n -> fresh.addNode(n.spec()));
        assertThat(PlacementGroups.plan(fresh, spec)).isInstanceOf(PlacementPlan.Infeasible.class);
      }
    }
    assertThat(c.availableResources()).isEqualTo(before);
    assertThat(c.nodes().stream().map(NodeResources::gpuFreeFractions).toList())
        .isEqualTo(gpuBefore);
  }

  @Property(tries = 300)
  void decisionsAreConsistentWithTheView(
      @ForAll("clusters") ClusterResourceView c,
      @ForAll("requests") ResourceRequest request,
      @ForAll @IntRange(min = 0, max = 3) int policyKind) {
    SchedulingPolicy p =
        switch (policyKind) {
          case 0 -> SchedulingPolicy.hybrid(1);
          case 1 -> SchedulingPolicy.hybrid(new HybridOptions(0.5, 3, 2, 5));
          case 2 -> SchedulingPolicy.spread();
          default -> SchedulingPolicy.standard(9);
        };
    SchedulingDecision d =
        p.schedule(c, SchedulingRequest.builder(request).localNode(NodeId.of("n0")).build());
    boolean anyAvailable = c.nodes().stream().anyMatch(n -> n.isAvailable(request));
    boolean anyFeasible = c.nodes().stream().anyMatch(n -> n.isFeasible(request));
    switch (d) {
      case SchedulingDecision.Scheduled s ->
          assertThat(c.requireNode(s.node()).isAvailable(request)).isTrue();
      case SchedulingDecision.Unavailable u -> assertThat(!anyAvailable && anyFeasible).isTrue();
      case SchedulingDecision.Infeasible i -> assertThat(anyFeasible).isFalse();
    }
    assertThat(d.isScheduled()).isEqualTo(anyAvailable);
  }

  @Property(tries = 200)
  void fixedPointSumsAreExactAfterManyCycles(
      @ForAll @Size(min = 1, max = 20)
          List<@IntRange(min = 1, max = 99_999) Integer> tenThousandths,
      @ForAll @IntRange(min = 1, max = 500) int cycles) {
    ResourceSet sum = ResourceSet.empty();
    BigDecimal expected = BigDecimal.ZERO;
    for (int k = 0; k < cycles; k++) {
      for (int t : tenThousandths) {
        double amount = t / 10_000.0;
        sum = sum.plus(ResourceSet.of("memory", amount));
        expected = expected.add(BigDecimal.valueOf(t, 4));
      }
    }
    assertThat(BigDecimal.valueOf(sum.getFixed("memory"), 4)).isEqualByComparingTo(expected);
    for (int k = 0; k < cycles; k++) {
      for (int t : tenThousandths) {
        sum = sum.minus(ResourceSet.of("memory", t / 10_000.0));
      }
    }
    assertThat(sum.isEmpty()).isTrue();
  }

  /**
   * One cluster operation: 0 add node, 1 remove node, 2-5 schedule+allocate, 6-7 free, 8 widen
   * totals.
   */
  record Op(int kind, int a, int b) {}

  @Provide
  Arbitrary<List<Op>> clusterOps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 8),
            Arbitraries.integers().between(0, 1000),
            Arbitraries.integers().between(0, 1000))
        .as(Op::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(120);
  }

  @Property(tries = 300)
  void clusterViewStaysConsistentUnderChurn(@ForAll("clusterOps") List<Op> ops) {
    ClusterResourceView c = new ClusterResourceView();
    SchedulingPolicy p = SchedulingPolicy.hybrid(new HybridOptions(0.5, 2, 3, 11));
    java.util.Map<NodeId, List<Grant>> held = new java.util.HashMap<>();
    int nextId = 0;
    for (Op op : ops) {
      List<NodeResources> nodes = c.nodes();
      switch (op.kind()) {
        case 0 -> {
          NodeId id = NodeId.of("n" + nextId++);
          c.addNode(NodeSpec.builder(id).cpu(1 + op.a() % 8).gpu(op.b() % 3).build());
          held.put(id, new ArrayList<>());
        }
        case 1 -> {
          if (!nodes.isEmpty()) {
            NodeId id = nodes.get(op.a() % nodes.size()).id();
            c.removeNode(id);
            for (Grant g : held.remove(id)) {
              assertThat(c.free(g)).isFalse();
            }
          }
        }
        case 2, 3, 4, 5 -> {
          ResourceSet shape =
              op.b() % 3 == 0
                  ? ResourceSet.of("CPU", 0.5, "GPU", 0.25)
                  : op.b() % 3 == 1
                      ? ResourceSet.of("CPU", 1)
                      : ResourceSet.of("CPU", 1, "extra" + op.a() % 3, 1);
          SchedulingRequest r = SchedulingRequest.of(shape);
          if (p.schedule(c, r) instanceof SchedulingDecision.Scheduled s) {
            held.get(s.node()).add(c.allocate(s.node(), r));
          }
        }
        case 6, 7 -> {
          List<Grant> all = held.values().stream().flatMap(List::stream).toList();
          if (!all.isEmpty()) {
            Grant g = all.get(op.a() % all.size());
            held.get(g.nodeId()).remove(g);
            assertThat(c.free(g)).isTrue();
          }
        }
        default -> {
          if (!nodes.isEmpty()) {
            NodeResources n = nodes.get(op.a() % nodes.size());
            c.updateTotal(n.id(), n.total().toBuilder().set("extra" + op.b() % 3, 2).build());
          }
        }
      }
      for (NodeResources n : c.nodes()) {
        ResourceSet used = ResourceSet.empty();
        for (Grant g : held.get(n.id())) {
          used = used.plus(g.resources());
        }
        assertThat(n.available()).isEqualTo(n.total().minus(used));
        assertThat(c.requireNode(n.id())).isSameAs(n);
      }
    }
  }
}
