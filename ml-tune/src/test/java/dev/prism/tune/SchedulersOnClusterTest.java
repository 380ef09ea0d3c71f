package dev.prism.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.Checkpoint;
import dev.prism.train.RunConfig;
import dev.prism.tune.schedulers.AshaScheduler;
import dev.prism.tune.schedulers.HyperBandScheduler;
import dev.prism.tune.schedulers.Mutation;
import dev.prism.tune.schedulers.PopulationBasedTraining;
import dev.prism.tune.search.Domain;
import dev.prism.tune.search.Space;
import java.nio.file.Files;
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
 * The schedulers driving real trials on an embedded cluster: ASHA stops bad trials early, HyperBand
 * pauses and resumes trials from their checkpoints, PBT clones checkpoints and perturbs configs.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SchedulersOnClusterTest {
  @BeforeAll
  static void start() {
    Prism.init(PrismConfig.builder().numCpus(2).workerJvmOptions(List.of("-Xmx128m")).build());
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  /**
   * A learning curve that rises toward the trial's quality {@code q}; its state (iteration, score
   * and the trials it descends from) is checkpointed every iteration.
   */
  static void curve(Map<String, Object> config, TuneContext ctx) throws Exception {
    double q = ((Number) config.get("q")).doubleValue();
    double score = 0;
    String lineage = ctx.trialId();
    if (ctx.checkpoint().isPresent()) {
      String[] s = Files.readString(ctx.checkpoint().get().file("state")).split(" ");
      score = Double.parseDouble(s[0]);
      lineage = s[1] + ">" + ctx.trialId();
    }
    for (long it = ctx.iteration() + 1; it <= 12; it++) {
      Thread.sleep(5);
      score += q * Math.pow(0.7, it);
      Checkpoint c = Checkpoint.create();
      Files.writeString(c.file("state"), score + " " + lineage);
      ctx.report(Map.of("score", score, "lineage", lineage), c);
    }
  }

  /** {@link #curve} once all four trials of the population have started, so they overlap. */
  static void population(Map<String, Object> config, TuneContext ctx) throws Exception {
    if (ctx.checkpoint().isEmpty()) {
      Arrivals.arriveAndWait(ctx, "started", 4);
    }
    curve(config, ctx);
  }

  private static Tuner.Builder sweep(Path dir, String name, TuneConfig.Builder tc, Space space) {
    return Tuner.builder(SchedulersOnClusterTest::curve)
        .space(space)
        .tuneConfig(tc.maxConcurrentTrials(2).build())
        .runConfig(RunConfig.builder(name).storagePath(dir).build())
        .progress(false);
  }

  private static int iterations(ResultGrid g) {
    return g.results().stream().mapToInt(r -> r.history().size()).sum();
  }

  @Test
  void ashaStopsTheBadTrialsEarlyAndRunsTheBestToTheEnd(@TempDir Path dir) {
    Space space = Space.builder().add("q", Domain.grid(8, 7, 6, 5, 4, 3, 2, 1)).build();
    ResultGrid g =
        sweep(
                dir,
                "asha",
                TuneConfig.builder("score", Mode.MAX)
                    .scheduler(
                        AshaScheduler.builder().maxT(12).gracePeriod(1).reductionFactor(3).build()),
                space)
            .build()
            .fit();

    assertThat(g.size()).isEqualTo(8);
    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    assertThat(g.best().config().get("q")).isEqualTo(8);
    assertThat(g.best().history()).hasSize(12);
    // the first trial at a rung always goes on (asynchronous halving); later, worse ones stop
    assertThat(g.results().getLast().history().size()).as("q=1 stopped early").isLessThan(12);
    assertThat(iterations(g)).isLessThan(8 * 12 * 2 / 3);
  }

  @Test
  void hyperBandPausesTrialsAtMilestonesAndResumesThePromotedOnesFromTheirCheckpoints(
      @TempDir Path dir) throws Exception {
    Space space = Space.builder().add("q", Domain.grid(1, 2, 3, 4, 5, 6, 7, 8, 9)).build();
    ResultGrid g =
        sweep(
                dir,
                "hyperband",
                TuneConfig.builder("score", Mode.MAX)
                    .scheduler(HyperBandScheduler.builder().maxT(9).reductionFactor(3).build()),
                space)
            .build()
            .fit();

    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    TrialResult best = g.best();
    assertThat(best.config().get("q")).isEqualTo(9);
    assertThat(best.history()).hasSizeGreaterThanOrEqualTo(9);
    for (TrialResult r : g.results()) {
      List<Double> its = r.series("training_iteration");
      for (int i = 0; i < its.size(); i++) {
        assertThat(its.get(i)).as(r.trialId() + " has one result per iteration").isEqualTo(i + 1.0);
      }
    }
    // a promoted trial was paused and resumed: its state carried on from the checkpoint
    assertThat(Files.readString(best.path().resolve("result.json")).lines().count())
        .isEqualTo(best.history().size());
    assertThat(iterations(g)).isLessThan(9 * 9);
  }

  @Test
  void pbtClonesABetterTrialsCheckpointAndPerturbsItsConfig(@TempDir Path dir) throws Exception {
    Space space = Space.builder().add("q", Domain.grid(1.0, 2.0, 4.0, 8.0)).build();
    PopulationBasedTraining pbt =
        PopulationBasedTraining.builder()
            .perturbationInterval(3)
            .quantileFraction(0.25)
            .mutation("q", Mutation.choice(1.0, 2.0, 4.0, 8.0))
            .seed(7)
            .build();
    ResultGrid g =
        Tuner.builder(SchedulersOnClusterTest::population)
            .space(space)
            .tuneConfig(
                TuneConfig.builder("score", Mode.MAX).scheduler(pbt).maxConcurrentTrials(4).build())
            .resourcesPerTrial(Map.of("CPU", 0.5))
            .runConfig(RunConfig.builder("pbt").storagePath(dir).build())
            .progress(false)
            .build()
            .fit();

    assertThat(g.results()).allMatch(r -> r.status() == TrialStatus.TERMINATED);
    assertThat(pbt.perturbations()).isNotEmpty();
    // An exploit decided on a trial's last result (time 12) restarts it from the donor's final
    // checkpoint with nothing left to run, so it reports nothing more: the last exploit that shows
    // in what a trial reports is its last one before time 12. Check the latest such exploit of a
    // trial that was not exploited again afterwards.
    List<PopulationBasedTraining.Perturbation> all = pbt.perturbations();
    PopulationBasedTraining.Perturbation p = null;
    for (int i = all.size() - 1; i >= 0 && p == null; i--) {
      PopulationBasedTraining.Perturbation c = all.get(i);
      boolean exploitedLater =
          all.subList(i + 1, all.size()).stream().anyMatch(x -> x.trialId().equals(c.trialId()));
      if (c.time() < 12 && !exploitedLater) {
        p = c;
      }
    }
    assertThat(p).as("an exploit before the last iteration, in %s", all).isNotNull();
    String exploitedId = p.trialId();
    TrialResult exploited =
        g.results().stream().filter(r -> r.trialId().equals(exploitedId)).findFirst().orElseThrow();
    // the exploiting trial carried on from the donor's checkpoint: its lineage names the donor
    assertThat(exploited.metrics().get("lineage").toString())
        .endsWith(p.donorId() + ">" + p.trialId());
    assertThat(exploited.config()).isEqualTo(p.newConfig());
    assertThat(Files.readString(exploited.path().resolve("params.json")))
        .isEqualTo(Json.write(exploited.config()));
    assertThat(((Number) exploited.history().getLast().get("training_iteration")).intValue())
        .isEqualTo(12);
  }
}
