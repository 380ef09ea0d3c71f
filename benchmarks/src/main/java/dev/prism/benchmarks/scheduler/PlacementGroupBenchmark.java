package dev.prism.benchmarks.scheduler;

import dev.prism.scheduler.ClusterResourceView;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.PlacementGroupId;
import dev.prism.scheduler.PlacementGroupSpec;
import dev.prism.scheduler.PlacementGroups;
import dev.prism.scheduler.PlacementPlan;
import dev.prism.scheduler.PlacementStrategy;
import dev.prism.scheduler.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Placement-group placement: 1,000 groups of 4 bundles ({CPU=1, GPU=0.25}) each are planned,
 * prepared and committed (two-phase, all-or-nothing) on a cluster of 500 nodes (16 CPUs, 4 GPUs
 * each), then all removed. Reported per group (one create plus one remove).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PlacementGroupBenchmark {
  private static final int GROUPS = 1_000;

  /** The placement strategy of every group. */
  @Param({"PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"})
  public PlacementStrategy strategy;

  private ClusterResourceView cluster;
  private List<PlacementGroupSpec> specs;

  /** Builds the cluster and the group specs. */
  @Setup
  public void setup() {
    cluster = new ClusterResourceView();
    for (int i = 0; i < 500; i++) {
      cluster.addNode(NodeSpec.builder("node-" + i).cpu(16).gpu(4).build());
    }
    specs = new ArrayList<>(GROUPS);
    List<ResourceSet> bundles =
        List.of(
            ResourceSet.of("CPU", 1, "GPU", 0.25),
            ResourceSet.of("CPU", 1, "GPU", 0.25),
            ResourceSet.of("CPU", 1, "GPU", 0.25),
            ResourceSet.of("CPU", 1, "GPU", 0.25));
    for (int g = 0; g < GROUPS; g++) {
      specs.add(PlacementGroupSpec.of(PlacementGroupId.of("pg-" + g), strategy, bundles));
    }
  }

  /**
   * Creates 1,000 groups, then removes them.
   *
   * @return the number placed (consumed by JMH)
   */
  @Benchmark
  @OperationsPerInvocation(GROUPS)
  public int createAndRemoveThousandGroups() {
    int placed = 0;
    for (PlacementGroupSpec s : specs) {
      if (PlacementGroups.create(cluster, s) instanceof PlacementPlan.Placed) {
        placed++;
      }
    }
    if (placed != GROUPS) {
      throw new IllegalStateException("only " + placed + " of " + GROUPS + " groups were placed");
    }
    for (PlacementGroupSpec s : specs) {
      PlacementGroups.remove(cluster, s.id());
    }
    return placed;
  }
}
