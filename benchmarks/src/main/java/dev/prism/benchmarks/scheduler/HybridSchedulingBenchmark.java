package dev.prism.benchmarks.scheduler;

import dev.prism.scheduler.ClusterResourceView;
import dev.prism.scheduler.Grant;
import dev.prism.scheduler.HybridOptions;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeResources;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.ResourceRequest;
import dev.prism.scheduler.ResourceSet;
import dev.prism.scheduler.SchedulingDecision;
import dev.prism.scheduler.SchedulingPolicy;
import dev.prism.scheduler.SchedulingRequest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Scheduling decisions per second with the default hybrid policy over simulated clusters.
 *
 * <p>Every node has 16 CPUs, 64 GiB of memory and 4 GPUs; each is preloaded with a random 0..12
 * CPUs of work, and the local node is above the spread threshold, so every decision has to look for
 * the least loaded node. One operation is a decision plus the allocation of the grant on the chosen
 * node and its free, so the cluster stays in a steady state. {@code scan=sampled} is the default
 * policy (at most 256 nodes examined from a random start, all nodes only when none of those has
 * room); {@code scan=exact} examines every node on every decision.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HybridSchedulingBenchmark {
  private static final long GIB = 1L << 30;

  /** Cluster size. */
  @Param({"10", "100", "1000", "10000"})
  public int nodes;

  /** {@code sampled}: default bounded sample; {@code exact}: every node every time. */
  @Param({"sampled", "exact"})
  public String scan;

  private ClusterResourceView cluster;
  private SchedulingPolicy policy;
  private SchedulingRequest cpuTask;
  private SchedulingRequest gpuTask;

  /** Builds and preloads the cluster. */
  @Setup
  public void setup() {
    cluster = new ClusterResourceView();
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < nodes; i++) {
      NodeResources n =
          cluster.addNode(NodeSpec.builder("node-" + i).cpu(16).memory(64 * GIB).gpu(4).build());
      int load = i == 0 ? 12 : random.nextInt(13);
      if (load > 0) {
        n.allocate(ResourceRequest.of(ResourceSet.of("CPU", load)));
      }
    }
    int maxScan =
        scan.equals("exact") ? Integer.MAX_VALUE : HybridOptions.DEFAULT_MAX_NODES_SCANNED;
    policy = SchedulingPolicy.hybrid(new HybridOptions(0.5, 1, maxScan, 7));
    NodeId local = NodeId.of("node-0");
    cpuTask =
        SchedulingRequest.builder(ResourceSet.builder().cpu(1).memory(GIB).build())
            .localNode(local)
            .build();
    gpuTask =
        SchedulingRequest.builder(ResourceSet.builder().cpu(1).gpu(0.25).build())
            .localNode(local)
            .build();
  }

  /**
   * One hybrid decision for a CPU task, then allocate and free its grant.
   *
   * @return the grant (consumed by JMH)
   */
  @Benchmark
  public Grant decideAllocateFree() {
    return cycle(cpuTask);
  }

  /**
   * Same for a fractional-GPU task (per-device assignment included).
   *
   * @return the grant
   */
  @Benchmark
  public Grant decideAllocateFreeGpu() {
    return cycle(gpuTask);
  }

  /**
   * The decision alone (the view is not changed).
   *
   * @return the decision
   */
  @Benchmark
  public SchedulingDecision decideOnly() {
    return policy.schedule(cluster, cpuTask);
  }

  private Grant cycle(SchedulingRequest task) {
    SchedulingDecision d = policy.schedule(cluster, task);
    Grant g = cluster.allocate(((SchedulingDecision.Scheduled) d).node(), task);
    cluster.free(g);
    return g;
  }
}
