package dev.prism.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Training runs of a real DJL model on worker JVMs of an embedded cluster. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DataParallelTrainerTest {
  private static Dataset data;

  @BeforeAll
  static void start() {
    Prism.init(PrismConfig.builder().numCpus(3).workerJvmOptions(List.of("-Xmx256m")).build());
    data = Mlp.data(600);
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  private static DataParallelTrainer.Builder trainer(
      Path dir, String name, int workers, int batch) {
    return DataParallelTrainer.builder(Mlp::train)
        .scalingConfig(ScalingConfig.builder().numWorkers(workers).build())
        .runConfig(RunConfig.builder(name).storagePath(dir).build())
        .dataset("train", data)
        .config(Map.of("batch", batch, "epochs", 3, "lr", 0.1))
        .progress(false);
  }

  @Test
  void twoAndThreeWorkersKeepIdenticalParametersEqualToOneProcessOnTheSameGlobalBatches(
      @TempDir Path dir) throws Exception {
    Result one = trainer(dir, "one", 1, 60).build().fit();
    Result two = trainer(dir, "two", 2, 30).build().fit();
    Result three = trainer(dir, "three", 3, 20).build().fit();
    for (Result r : List.of(one, two, three)) {
      assertThat(r.error()).isEmpty();
      assertThat(r.history()).hasSize(3);
      assertThat(r.history()).allMatch(t -> Boolean.TRUE.equals(t.metrics().get("ranksIdentical")));
      assertThat(r.history().getLast().number("steps")).isEqualTo(10);
    }
    float[] p1 = Mlp.readParams(one.checkpoint().orElseThrow().file("params.txt"));
    float[] p2 = Mlp.readParams(two.checkpoint().orElseThrow().file("params.txt"));
    float[] p3 = Mlp.readParams(three.checkpoint().orElseThrow().file("params.txt"));
    for (int i = 0; i < p1.length; i++) {
      assertThat(p2[i]).as("param %d, 2 workers", i).isCloseTo(p1[i], Offset.offset(1e-4f));
      assertThat(p3[i]).as("param %d, 3 workers", i).isCloseTo(p1[i], Offset.offset(1e-4f));
    }
    assertThat(two.metric("loss").getLast()).isLessThan(two.metric("loss").getFirst());
    assertThat(two.bestCheckpoints()).hasSize(3);
    assertThat(Files.readString(two.path().resolve("progress.csv")))
        .startsWith("iteration,epoch,loss,steps,ranksIdentical\n1,0,");
  }

  @Test
  void aWorkerKilledMidTrainingRestartsTheGroupFromTheLatestCheckpoint(@TempDir Path dir) {
    Result r =
        trainer(dir, "killed", 2, 30)
            .config(Map.of("epochs", 4, "dieAtEpoch", 2))
            .runConfig(
                RunConfig.builder("killed")
                    .storagePath(dir)
                    .maxFailures(1)
                    .checkpointConfig(CheckpointConfig.keepLatest(2))
                    .build())
            .build()
            .fit();
    assertThat(r.error()).isEmpty();
    assertThat(r.restarts()).isEqualTo(1);
    assertThat(r.history().stream().map(t -> t.number("epoch")).toList())
        .as("epochs 0 and 1, then (after the restart from epoch 1's checkpoint) 2 and 3")
        .containsExactly(0.0, 1.0, 2.0, 3.0);
    assertThat(CheckpointStore.list(r.path())).hasSize(2);
    assertThat(r.checkpoint().orElseThrow().path().getFileName().toString())
        .isEqualTo("checkpoint_000004");
  }

  @Test
  void aFailureWithNoRestartsLeftIsReportedInTheResult(@TempDir Path dir) {
    Result missing =
        DataParallelTrainer.builder(ctx -> ctx.datasetShard("test"))
            .scalingConfig(ScalingConfig.builder().numWorkers(2).build())
            .runConfig(RunConfig.builder("missing").storagePath(dir).build())
            .dataset("train", data)
            .progress(false)
            .build()
            .fit();
    assertThat(missing.error()).isPresent();
    assertThat(missing.error().get())
        .hasMessageContaining("no dataset 'test'; the trainer was given [train]");
    assertThat(missing.restarts()).isZero();
  }

  @Test
  void aRunResumesFromItsLatestCheckpointWhenFitIsCalledAgain(@TempDir Path dir)
      throws InterruptedException {
    Result first = trainer(dir, "resume", 2, 30).config(Map.of("epochs", 2)).build().fit();
    assertThat(first.history()).hasSize(2);
    Result second = trainer(dir, "resume", 2, 30).config(Map.of("epochs", 3)).build().fit();
    assertThat(second.history()).hasSize(3);
    assertThat(second.history().getLast().iteration()).isEqualTo(3);
    assertThat(second.history().getLast().number("epoch")).isEqualTo(2.0);
    // The run's progress reaches the node of this driver (the embedded one, in this JVM).
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!progressShown() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(dev.prism.runtime.metrics.Metrics.scrape())
        .containsPattern("prism_train_iteration\\{[^}]*run=\"resume\"[^}]*\\} 3.0")
        .containsPattern("prism_train_metric\\{[^}]*name=\"epoch\"[^}]*run=\"resume\"[^}]*\\} 2.0")
        .containsPattern("prism_train_metric\\{[^}]*name=\"loss\"[^}]*run=\"resume\"")
        .containsPattern("prism_train_reports_total\\{[^}]*run=\"resume\"");
  }

  private static boolean progressShown() {
    return dev.prism.runtime.metrics.Metrics.scrape()
        .lines()
        .anyMatch(
            l ->
                l.startsWith("prism_train_iteration{")
                    && l.contains("run=\"resume\"")
                    && l.endsWith(" 3.0"));
  }

  @Test
  void aRunWhoseHistoryCannotBeReadIsNotResumedBlindly(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("broken"));
    Files.writeString(
        dir.resolve("broken").resolve(RunState.HISTORY), "{\"iteration\": 1, \"metr\n");
    assertThatThrownBy(() -> trainer(dir, "broken", 1, 30).build().fit())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot resume run from")
        .hasMessageContaining("move it away to start anew");
  }

  @Test
  void anExceptionFromTheReportCallbackEndsTheFitPromptlyAndReleasesTheWorkersEvenInterrupted(
      @TempDir Path dir) throws Exception {
    List<TrainReport> seen = new java.util.ArrayList<>();
    DataParallelTrainer endless =
        DataParallelTrainer.builder(
                ctx -> {
                  Files.writeString(
                      ctx.runDirectory().resolve("pid"),
                      Long.toString(ProcessHandle.current().pid()));
                  for (int i = 0; ; i++) {
                    ctx.report(Map.of("i", i));
                    Thread.sleep(20);
                  }
                })
            .runConfig(RunConfig.builder("stopped").storagePath(dir).maxFailures(2).build())
            .progress(false)
            .onReport(
                r -> {
                  seen.add(r);
                  if (r.iteration() == 3) {
                    // as ml-tune stops a trial: its thread interrupted, its report throwing
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("stop at 3");
                  }
                })
            .build();
    long t0 = System.nanoTime();
    assertThatThrownBy(endless::fit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("stop at 3");
    assertThat(Thread.interrupted()).as("the caller's interrupt is kept").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(45));
    assertThat(seen).extracting(TrainReport::iteration).containsExactly(1, 2, 3);
    long pid = Long.parseLong(Files.readString(dir.resolve("stopped").resolve("pid")));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the worker process was killed, not left training")
        .isFalse();
    PlacementGroup all =
        PlacementGroups.create(List.of(Map.of("CPU", 3.0)), PlacementStrategy.PACK);
    try {
      assertThat(all.waitUntilReady(Duration.ofSeconds(20)))
          .as("the worker's CPU was given back: " + all.pendingReason())
          .isTrue();
    } finally {
      PlacementGroups.remove(all);
    }
  }

  @Test
  void oneWorkerRunsInTheCallersProcessWhenAskedAndTrainsTheSameModel(@TempDir Path dir)
      throws Exception {
    List<TrainReport> seen = new java.util.ArrayList<>();
    Result here =
        trainer(dir, "here", 1, 60).runInThisProcess(true).onReport(seen::add).build().fit();
    Result actor = trainer(dir, "actor", 1, 60).build().fit();
    assertThat(here.error()).isEmpty();
    assertThat(seen).extracting(TrainReport::iteration).containsExactly(1, 2, 3);
    float[] h = Mlp.readParams(here.checkpoint().orElseThrow().file("params.txt"));
    float[] a = Mlp.readParams(actor.checkpoint().orElseThrow().file("params.txt"));
    for (int i = 0; i < h.length; i++) {
      assertThat(h[i]).as("param %d", i).isCloseTo(a[i], Offset.offset(1e-5f));
    }
    Result pid =
        DataParallelTrainer.builder(
                ctx -> {
                  Files.writeString(
                      ctx.runDirectory().resolve("pid"),
                      Long.toString(ProcessHandle.current().pid()));
                  ctx.report(Map.of("i", 1));
                })
            .runConfig(RunConfig.builder("pid").storagePath(dir).build())
            .runInThisProcess(true)
            .progress(false)
            .build()
            .fit();
    assertThat(pid.error()).isEmpty();
    assertThat(Files.readString(dir.resolve("pid").resolve("pid")))
        .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    assertThatThrownBy(() -> trainer(dir, "two", 2, 30).runInThisProcess(true).build())
        .hasMessageContaining(
            "runInThisProcess needs exactly 1 worker, the ScalingConfig asks for 2");
  }

  @Test
  void badConfigsFailWithClearMessages(@TempDir Path dir) {
    assertThatThrownBy(() -> ScalingConfig.builder().numWorkers(0).build())
        .hasMessageContaining("numWorkers is 0");
    assertThatThrownBy(
            () ->
                DataParallelTrainer.builder(Mlp::train)
                    .runConfig(RunConfig.builder("x").storagePath(dir).build())
                    .dataset("train", null))
        .hasMessageContaining("dataset 'train' is null");
    assertThatThrownBy(() -> DataParallelTrainer.builder(Mlp::train).build())
        .hasMessageContaining("needs a RunConfig");
    assertThatThrownBy(() -> RunConfig.builder("a/b").build())
        .hasMessageContaining("plain directory name");
    assertThatThrownBy(
            () ->
                trainer(dir, "gpus", 2, 30)
                    .scalingConfig(ScalingConfig.builder().numWorkers(2).useGpu(true).build())
                    .placementTimeout(Duration.ofSeconds(20))
                    .build()
                    .fit())
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("cannot place 2 training workers")
        .hasMessageContaining("GPU");
  }
}
