package dev.prism.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.KeyValueStore;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.Checkpoint;
import dev.prism.train.RunConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Sweeps on an embedded cluster: results and files, failures and retries, bad settings. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TunerTest {
  @BeforeAll
  static void start() {
    Prism.init(
        PrismConfig.builder().numCpus(2).numGpus(1).workerJvmOptions(List.of("-Xmx128m")).build());
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  private static int index(TuneContext ctx) {
    return Integer.parseInt(ctx.trialId().substring("trial_".length()));
  }

  /** Trial i reports score = i * iteration, five times. */
  static void linear(Map<String, Object> config, TuneContext ctx) {
    int i = index(ctx);
    for (int it = 1; it <= 5; it++) {
      ctx.report(Map.of("score", i * it, "name", "t" + i));
    }
  }

  /**
   * Trial 1 fails at iteration 3 of its first attempt after a checkpoint at 2; trial 2 always
   * fails; the others run five iterations.
   */
  static void flaky(Map<String, Object> config, TuneContext ctx) throws Exception {
    int i = index(ctx);
    long from = ctx.iteration();
    for (long it = from + 1; it <= 5; it++) {
      if (i == 2) {
        throw new IllegalStateException("trial 2 always fails");
      }
      if (i == 1 && it == 3 && from == 0) {
        throw new IllegalStateException("trial 1 fails once");
      }
      Checkpoint c = Checkpoint.create();
      Files.writeString(c.file("it"), Long.toString(it));
      ctx.report(Map.of("score", it), c);
    }
  }

  /** Kills its own process (SIGKILL) at iteration 3 of its first attempt, after a checkpoint. */
  static void killsItsRunner(Map<String, Object> config, TuneContext ctx) throws Exception {
    long from = ctx.iteration();
    for (long it = from + 1; it <= 4; it++) {
      if (it == 3 && from == 0) {
        new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
            .start()
            .waitFor();
        Thread.sleep(10_000);
      }
      Checkpoint c = Checkpoint.create();
      Files.writeString(c.file("pid"), Long.toString(ProcessHandle.current().pid()));
      ctx.report(Map.of("score", it, "pid", ProcessHandle.current().pid()), c);
    }
  }

  /** Trial 0 ignores being stopped and never ends; the others report once. */
  static void stubborn(Map<String, Object> config, TuneContext ctx) {
    if (index(ctx) == 0) {
      try {
        ctx.report(Map.of("score", 1));
      } catch (TrialStoppedException ignored) {
        // a trial that will not stop
      }
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException ignored) {
          // nor be interrupted
        }
      }
    }
    ctx.report(Map.of("score", 2));
  }

  static void noMetric(Map<String, Object> config, TuneContext ctx) {
    ctx.report(Map.of("loss", 1.0));
  }

  /** Reports its GPU ids once its partner trial runs too (they share the one GPU). */
  static void gpuTrial(Map<String, Object> config, TuneContext ctx) throws Exception {
    Arrivals.arriveAndWait(ctx, "running", 2);
    ctx.report(Map.of("score", 1, "gpus", Prism.runtimeContext().gpuIds().toString()));
  }

  static void slow(Map<String, Object> config, TuneContext ctx) throws Exception {
    for (int i = 0; i < 1000; i++) {
      Thread.sleep(100);
      ctx.report(Map.of("score", i));
    }
  }

  /** A class trainable: counts to five, done at five. */
  public static final class Counter implements StepTrainable {
    private int n;

    /** A counter at zero. */
    public Counter() {}

    @Override
    public void setup(Map<String, Object> config) {}

    @Override
    public Map<String, ?> step() {
      n++;
      return Map.of("score", n, "done", n == 5);
    }

    @Override
    public void save(Path dir) throws Exception {
      Files.writeString(dir.resolve("n"), Integer.toString(n));
    }

    @Override
    public void restore(Path dir) throws Exception {
      n = Integer.parseInt(Files.readString(dir.resolve("n")));
    }
  }

  private static Tuner.Builder sweep(Trainable t, Path dir, String name, int samples) {
    return Tuner.builder(t)
        .tuneConfig(
            TuneConfig.builder("score", Mode.MAX)
                .numSamples(samples)
                .maxConcurrentTrials(2)
                .build())
        .runConfig(RunConfig.builder(name).storagePath(dir).build())
        .progress(false);
  }

  @Test
  void everyTrialRunsAndItsResultsAreKeptInFilesAndTheGrid(@TempDir Path dir) throws Exception {
    ResultGrid g = sweep(TunerTest::linear, dir, "linear", 6).build().fit();

    assertThat(g.size()).isEqualTo(6);
    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    assertThat(g.results()).allMatch(r -> r.history().size() == 5);
    assertThat(g.best().trialId()).isEqualTo("trial_00005");
    assertThat(g.best().metric("score")).isEqualTo(25);
    assertThat(g.best("score", Mode.MIN, ResultGrid.Scope.ALL).trialId()).isEqualTo("trial_00000");
    Path t3 = dir.resolve("linear").resolve("trial_00003");
    List<String> json = Files.readAllLines(t3.resolve("result.json"));
    assertThat(json).hasSize(5);
    assertThat(json.get(4)).contains("\"score\":15").contains("\"training_iteration\":5");
    List<String> csv = Files.readAllLines(t3.resolve("progress.csv"));
    assertThat(csv).hasSize(6);
    assertThat(csv.get(0).split(",")).contains("score", "name", "training_iteration");
    assertThat(Files.readString(dir.resolve("linear").resolve(Experiment.STATE)))
        .contains("\"status\":\"TERMINATED\"");
    // The dashboard's view, in the cluster's key-value store (this driver's namespace).
    Map<String, Object> status =
        Json.readMap(
            new String(
                KeyValueStore.get(TuneStatus.KEY_PREFIX + "linear").orElseThrow(),
                StandardCharsets.UTF_8));
    assertThat(status).containsEntry("finished", true).containsEntry("metric", "score");
    assertThat(((Map<?, ?>) status.get("counts")).get("TERMINATED")).isEqualTo(6);
    assertThat(((Map<?, ?>) status.get("best")).get("trial")).isEqualTo("trial_00005");
    assertThat((List<?>) status.get("trials")).hasSize(6);
    // Its metrics reach the node of this driver: the embedded one, in this JVM.
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!dev.prism.runtime.metrics.Metrics.scrape()
            .lines()
            .anyMatch(
                l ->
                    l.startsWith("prism_tune_best_metric{")
                        && l.contains("experiment=\"linear\"")
                        && l.endsWith(" 25.0"))
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(dev.prism.runtime.metrics.Metrics.scrape())
        .containsPattern("prism_tune_best_metric\\{[^}]*experiment=\"linear\"[^}]*\\} 25.0");
    assertThat(dev.prism.runtime.metrics.Metrics.scrape())
        .contains("prism_tune_results_total{")
        .containsPattern(
            "prism_tune_trials\\{[^}]*experiment=\"linear\"[^}]*state=\"TERMINATED\"[^}]*\\} 6.0");

    g.writeCsv(dir.resolve("grid.csv"));
    List<String> grid = Files.readAllLines(dir.resolve("grid.csv"));
    assertThat(grid).hasSize(7);
    assertThat(grid.get(0)).startsWith("trial_id,status,");
    g.writeArrow(dir.resolve("grid.arrow"));
    assertThat(Files.size(dir.resolve("grid.arrow"))).isGreaterThan(100);
    g.writeChart(dir.resolve("score.png"), "score");
    assertThat(Files.readAllBytes(dir.resolve("score.png"))).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void
      aFailingTrialIsRetriedFromItsCheckpointAndOneThatKeepsFailingIsRecordedWithoutStoppingTheSweep(
          @TempDir Path dir) throws Exception {
    ResultGrid g =
        sweep(TunerTest::flaky, dir, "flaky", 4)
            .runConfig(RunConfig.builder("flaky").storagePath(dir).maxFailures(1).build())
            .build()
            .fit();

    TrialResult retried = g.results().get(1);
    assertThat(retried.status()).isEqualTo(TrialStatus.TERMINATED);
    assertThat(retried.series("score")).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
    assertThat(Files.readString(retried.path().resolve("error.txt")))
        .contains("trial 1 fails once");
    TrialResult failed = g.results().get(2);
    assertThat(failed.status()).isEqualTo(TrialStatus.ERROR);
    assertThat(failed.error()).hasValueSatisfying(e -> assertThat(e).contains("always fails"));
    assertThat(g.errors()).containsExactly(failed);
    assertThat(g.results().get(0).status()).isEqualTo(TrialStatus.TERMINATED);
    assertThat(g.results().get(3).status()).isEqualTo(TrialStatus.TERMINATED);
    assertThat(g.results().get(3).checkpoint())
        .hasValueSatisfying(
            c -> assertThat(c.getFileName().toString()).isEqualTo("checkpoint_000005"));
  }

  @Test
  void aRunnerKilledMidTrialIsReplacedAndTheTrialResumesFromItsCheckpoint(@TempDir Path dir)
      throws Exception {
    ResultGrid g =
        sweep(TunerTest::killsItsRunner, dir, "killed", 1)
            .runConfig(RunConfig.builder("killed").storagePath(dir).maxFailures(1).build())
            // each report waits for the driver, so the checkpoint at 2 is known when the runner
            // dies
            .maxPendingResults(1)
            .build()
            .fit();
    TrialResult r = g.results().getFirst();
    assertThat(r.status())
        .as(Files.readString(r.path().resolve("error.txt")))
        .isEqualTo(TrialStatus.TERMINATED);
    assertThat(r.series("score")).containsExactly(1.0, 2.0, 3.0, 4.0);
    assertThat(r.history().get(1).get("pid"))
        .as("iterations 3 and 4 ran in a new runner process")
        .isNotEqualTo(r.history().get(2).get("pid"));
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e).contains("runner failed"));
  }

  @Test
  void aTrialThatWillNotStopCostsItsRunnerNotTheNextTrial(@TempDir Path dir) {
    ResultGrid g =
        Tuner.builder(TunerTest::stubborn)
            .tuneConfig(
                TuneConfig.builder("score", Mode.MAX).numSamples(2).maxConcurrentTrials(1).build())
            .runConfig(RunConfig.builder("stubborn").storagePath(dir).build())
            .stop("training_iteration", 1)
            .stopGracePeriod(java.time.Duration.ofSeconds(1))
            .progress(false)
            .build()
            .fit();
    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    assertThat(g.results().get(1).metric("score")).isEqualTo(2);
    assertThat(g.results().get(1).error()).isEmpty();
  }

  @Test
  void stopCriteriaEndTrialsAtTheFirstResultThatMeetsThem(@TempDir Path dir) {
    ResultGrid g =
        sweep(TunerTest::linear, dir, "stopped", 3).stop("training_iteration", 2).build().fit();
    assertThat(g.results()).allMatch(r -> r.history().size() == 2);
    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
  }

  @Test
  void aTrialThatNeverReportsTheMetricFailsWithAMessageNamingIt(@TempDir Path dir) {
    ResultGrid g = sweep(TunerTest::noMetric, dir, "nometric", 1).build().fit();
    assertThat(g.results().getFirst().status()).isEqualTo(TrialStatus.ERROR);
    assertThat(g.results().getFirst().error().orElseThrow())
        .contains("without the metric 'score'")
        .contains("loss");
  }

  @Test
  void trialsThatFitNoNodeAreReportedAtOnce(@TempDir Path dir) {
    Tuner t =
        sweep(TunerTest::linear, dir, "huge", 2).resourcesPerTrial(Map.of("CPU", 64.0)).build();
    assertThatThrownBy(t::fit)
        .isInstanceOf(TuneException.class)
        .hasMessageContaining("fit no node")
        .hasMessageContaining("CPU=64.0");
  }

  @Test
  void aNameThatHoldsASweepIsRefusedAndRestoreNeedsOne(@TempDir Path dir) throws Exception {
    sweep(TunerTest::linear, dir, "twice", 1).build().fit();
    assertThatThrownBy(() -> sweep(TunerTest::linear, dir, "twice", 1).build().fit())
        .isInstanceOf(TuneException.class)
        .hasMessageContaining("already exists")
        .hasMessageContaining("Tuner.restore");
    assertThatThrownBy(
            () -> Tuner.restore(dir.resolve("none"), sweep(TunerTest::linear, dir, "x", 1)))
        .isInstanceOf(TuneException.class)
        .hasMessageContaining("has no experiment_state.json");
    Tuner.Builder same = sweep(TunerTest::linear, dir, "x", 1);
    ResultGrid again = Tuner.restore(dir.resolve("twice"), same).fit();
    assertThat(again.size()).isEqualTo(1);
    assertThat(again.results().getFirst().history()).hasSize(5);
    assertThat(again.results().getFirst().status()).isEqualTo(TrialStatus.TERMINATED);
    assertThat(same.build().runConfig().name())
        .as("restore left the caller's builder as it was")
        .isEqualTo("x");

    Tuner.Builder otherMetric =
        sweep(TunerTest::linear, dir, "x", 1)
            .tuneConfig(TuneConfig.builder("loss", Mode.MIN).build());
    assertThatThrownBy(() -> Tuner.restore(dir.resolve("twice"), otherMetric).fit())
        .isInstanceOf(TuneException.class)
        .hasMessageContaining("it optimises score (MAX), the given TuneConfig loss (MIN)");
    Files.writeString(dir.resolve("twice").resolve(Experiment.STATE), "{not json");
    assertThatThrownBy(
            () -> Tuner.restore(dir.resolve("twice"), sweep(TunerTest::linear, dir, "x", 1)).fit())
        .isInstanceOf(TuneException.class)
        .hasMessageContaining("experiment_state.json is unreadable");
  }

  @Test
  void trialsWithHalfAGpuEachShareTheOneGpuAtTheSameTime(@TempDir Path dir) {
    ResultGrid g =
        sweep(TunerTest::gpuTrial, dir, "gpu", 2)
            .resourcesPerTrial(Map.of("CPU", 0.5, "GPU", 0.5))
            .build()
            .fit();
    assertThat(g.errors()).isEmpty();
    assertThat(g.results()).allMatch(r -> "[0]".equals(r.metrics().get("gpus")));
  }

  @Test
  void theTimeBudgetEndsTheSweepAndItsRunningTrials(@TempDir Path dir) {
    long t0 = System.nanoTime();
    ResultGrid g =
        Tuner.builder(TunerTest::slow)
            .tuneConfig(
                TuneConfig.builder("score", Mode.MAX)
                    .numSamples(4)
                    .maxConcurrentTrials(2)
                    .timeBudget(java.time.Duration.ofSeconds(4))
                    .build())
            .runConfig(RunConfig.builder("budget").storagePath(dir).build())
            .progress(false)
            .build()
            .fit();
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    assertThat(g.results()).allMatch(r -> r.history().size() < 1000);
  }

  @Test
  void aClassTrainableStepsUntilDoneWithCheckpoints(@TempDir Path dir) throws Exception {
    ResultGrid g = sweep(StepTrainable.asTrainable(Counter::new, 2), dir, "steps", 1).build().fit();
    TrialResult r = g.results().getFirst();
    assertThat(r.series("score")).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
    assertThat(r.checkpoint())
        .hasValueSatisfying(
            c -> assertThat(c.getFileName().toString()).isEqualTo("checkpoint_000005"));
    assertThat(Files.readString(r.checkpoint().orElseThrow().resolve("n"))).isEqualTo("5");
    assertThatThrownBy(() -> StepTrainable.asTrainable(Counter::new, -1))
        .hasMessageContaining("checkpointEvery must be >= 0, got -1");
  }

  @Test
  void badSettingsAreRejectedWithMessages() {
    assertThatThrownBy(() -> TuneConfig.builder("score", Mode.MAX).numSamples(0).build())
        .hasMessageContaining("numSamples must be >= 1, got 0");
    assertThatThrownBy(() -> TuneConfig.builder(" ", Mode.MAX).build())
        .hasMessageContaining("metric must name a reported metric");
    assertThatThrownBy(() -> TuneConfig.builder("s", Mode.MAX).maxConcurrentTrials(0).build())
        .hasMessageContaining("maxConcurrentTrials must be >= 1");
    assertThatThrownBy(
            () -> TuneConfig.builder("s", Mode.MAX).timeBudget(java.time.Duration.ZERO).build())
        .hasMessageContaining("timeBudget must be positive");
    assertThatThrownBy(
            () -> Tuner.builder(TunerTest::linear).resourcesPerTrial(Map.of("CPU", -1.0)))
        .hasMessageContaining("CPU must be a finite amount >= 0");
    assertThatThrownBy(() -> Tuner.builder(TunerTest::linear).stop("x", Double.NaN))
        .hasMessageContaining("threshold of x is NaN");
    assertThatThrownBy(
            () -> Tuner.builder(TunerTest::linear).stopGracePeriod(java.time.Duration.ZERO))
        .hasMessageContaining("stopGracePeriod must be positive");
    assertThatThrownBy(() -> Tuner.builder(TunerTest::linear).build())
        .hasMessageContaining("tuneConfig");
  }
}
