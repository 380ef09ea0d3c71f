package dev.prism.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code useGpu} on a cluster of logical GPUs (no CUDA here): each worker is placed with a GPU of
 * its own, and its device is that GPU. Training on a real GPU needs DJL's CUDA natives, which this
 * build does not ship (only {@code pytorch-native-cpu} is served here).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GpuPlacementTest {

  @BeforeAll
  static void start() {
    Prism.init(
        PrismConfig.builder().numCpus(2).numGpus(2).workerJvmOptions(List.of("-Xmx192m")).build());
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  /**
   * Reports every rank's GPU ids and device, gathered on rank 0.
   *
   * @param ctx the context
   */
  public static void reportGpus(TrainContext ctx) {
    int mine = Prism.runtimeContext().gpuIds().getFirst();
    int[] all = new int[ctx.worldSize()];
    all[ctx.worldRank()] = mine + 1;
    ctx.communicator()
        .allreduce(
            java.lang.foreign.MemorySegment.ofArray(all),
            dev.prism.collective.DataType.INT32,
            dev.prism.collective.ReduceOp.SUM);
    ctx.report(
        Map.of(
            "gpus", java.util.Arrays.toString(all),
            "device", ctx.device().toString(),
            "gpusPerRank", Prism.runtimeContext().gpuIds().size()));
  }

  @Test
  void eachWorkerGetsAGpuOfItsOwn(@TempDir Path dir) {
    Result r =
        DataParallelTrainer.builder(GpuPlacementTest::reportGpus)
            .scalingConfig(ScalingConfig.builder().numWorkers(2).useGpu(true).build())
            .runConfig(RunConfig.builder("gpus").storagePath(dir).build())
            .progress(false)
            .build()
            .fit();
    assertThat(r.error()).isEmpty();
    Map<String, Object> m = r.history().getFirst().metrics();
    assertThat(m.get("gpus")).isIn("[1, 2]", "[2, 1]");
    assertThat(m.get("gpusPerRank")).isEqualTo(1);
    assertThat(m.get("device")).isEqualTo("gpu(0)");
  }
}
