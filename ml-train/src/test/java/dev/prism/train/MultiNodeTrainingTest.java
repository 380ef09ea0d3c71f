package dev.prism.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.LocalCluster;
import dev.prism.NodeOptions;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run across two nodes (the head in this JVM, a second node as its own process, each with its own
 * store and workers): ranks are grouped by node, the data set is pulled to the second node, and the
 * model trains with identical parameters on all four ranks.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MultiNodeTrainingTest {

  private static NodeOptions node() {
    return NodeOptions.builder()
        .cpus(2)
        .objectStoreMemory(128L << 20)
        .workerHeap(256L << 20)
        .build();
  }

  /**
   * Reports each rank's (node rank, local rank, local world size) as "n.l/s" in rank order, then
   * trains like {@link Mlp#train}.
   *
   * @param ctx the context
   * @throws Exception on failure
   */
  public static void topologyThenTrain(TrainContext ctx) throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment mine =
          arena.allocateFrom(
              ValueLayout.JAVA_INT, ctx.nodeRank(), ctx.localRank(), ctx.localWorldSize());
      MemorySegment all = arena.allocate(12L * ctx.worldSize());
      ctx.communicator().allgather(mine, all);
      int[] v = all.toArray(ValueLayout.JAVA_INT);
      List<String> parts = new ArrayList<>();
      for (int r = 0; r < ctx.worldSize(); r++) {
        parts.add(v[3 * r] + "." + v[3 * r + 1] + "/" + v[3 * r + 2]);
      }
      ctx.report(Map.of("topology", String.join(" ", parts)));
    }
    Mlp.train(ctx);
  }

  @Test
  void fourRanksOnTwoNodesTrainInStep(@TempDir Path dir) {
    try (LocalCluster cluster = LocalCluster.start(node())) {
      cluster.addNode(node());
      Prism.init(cluster.address());
      try {
        Result r =
            DataParallelTrainer.builder(MultiNodeTrainingTest::topologyThenTrain)
                .scalingConfig(
                    ScalingConfig.builder()
                        .numWorkers(4)
                        .placementStrategy(PlacementStrategy.SPREAD)
                        .build())
                .runConfig(RunConfig.builder("two-nodes").storagePath(dir).build())
                .dataset("train", Mlp.data(600))
                .config(Map.of("batch", 15, "epochs", 2, "lr", 0.1))
                .progress(false)
                .build()
                .fit();
        assertThat(r.error()).isEmpty();
        assertThat(r.history().getFirst().metrics().get("topology"))
            .as("ranks grouped by node: node rank.local rank/local world size")
            .isEqualTo("0.0/2 0.1/2 1.0/2 1.1/2");
        assertThat(r.history()).hasSize(3);
        assertThat(r.history().subList(1, 3))
            .allMatch(t -> Boolean.TRUE.equals(t.metrics().get("ranksIdentical")));
        assertThat(r.history().getLast().number("steps")).isEqualTo(10);
      } finally {
        Prism.shutdown();
      }
    }
  }
}
