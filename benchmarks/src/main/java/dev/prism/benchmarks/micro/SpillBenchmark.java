package dev.prism.benchmarks.micro;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scheduling throughput across nodes: tasks/s for small tasks that run on the driver's node, and
 * for the same tasks when each needs a resource only a second node has (every lease is spilled back
 * there), with Ray's timing protocol ({@link Timeit}). Two node managers on this machine, 2 CPUs
 * each. Run with {@code benchmarks/run spill}.
 */
public final class SpillBenchmark {

  private SpillBenchmark() {}

  static byte[] small() {
    return new byte[] {'o', 'k'};
  }

  /**
   * Runs the benchmark.
   *
   * @param args {@code [PATTERN]}
   * @throws Exception if a metric fails
   */
  public static void main(String[] args) throws Exception {
    Timeit t = new Timeit(args.length > 0 ? args[0] : "", 2_000, 5_000);
    NodeConfig.Builder node = NodeConfig.builder().numCpus(2).objectStoreCapacity(512L << 20);
    try (EmbeddedCluster cluster = EmbeddedCluster.start(node.build())) {
      NodeManager second = cluster.addNode(node.resource("remote", 1_000).build());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((cluster.headNode().knownNodes() < 2 || second.knownNodes() < 2)
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        List<ObjectRef<byte[]>> refs = new ArrayList<>(1000);
        t.run("tasks async, local node", () -> batch(refs, false), 1000);
        t.run("tasks async, spilled to a second node", () -> batch(refs, true), 1000);
        t.run(
            "tasks sync, spilled to a second node",
            () -> Prism.get(Prism.task(SpillBenchmark::small).setResource("remote", 1).remote()));
      } finally {
        Prism.shutdown();
      }
    }
  }

  private static void batch(List<ObjectRef<byte[]>> refs, boolean spill) {
    refs.clear();
    for (int i = 0; i < 1000; i++) {
      refs.add(
          spill
              ? Prism.task(SpillBenchmark::small).setResource("remote", 1).remote()
              : Prism.task(SpillBenchmark::small).remote());
    }
    Prism.get(refs);
  }
}
