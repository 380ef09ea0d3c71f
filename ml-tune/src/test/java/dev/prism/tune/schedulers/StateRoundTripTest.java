package dev.prism.tune.schedulers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A scheduler saved and restored mid-run (through JSON text) makes the same decisions after. */
class StateRoundTripTest {

  private static <S extends TrialScheduler> void roundTrips(
      Supplier<S> fresh, Function<TrialScheduler, Sim> sim, int... swapPoints) {
    S reference = fresh.get();
    Sim full = sim.apply(reference).run();
    for (int at : swapPoints) {
      assertThat(at).as("swap point inside the run").isLessThan(full.results);
      Function<JsonNode, TrialScheduler> restore =
          state -> {
            S s = fresh.get();
            s.setup("score", full.mode);
            s.restoreState(state);
            return s;
          };
      Sim swapped = sim.apply(fresh.get()).swapAfter(at, restore).run();
      assertThat(swapped.events)
          .as("decisions after a restore at result %d", at)
          .isEqualTo(full.events);
      assertThat(swapped.scheduler.saveState()).isEqualTo(reference.saveState());
    }
  }

  @Test
  void fifo() {
    roundTrips(FifoScheduler::new, s -> FifoAndAshaSchedulerTest.population(s, 5), 10);
  }

  @Test
  void asha() {
    roundTrips(
        () -> AshaScheduler.builder().maxT(64).brackets(2).build(),
        s -> FifoAndAshaSchedulerTest.population(s, 64),
        5,
        40,
        200);
  }

  @Test
  void hyperBand() {
    roundTrips(
        () -> HyperBandScheduler.builder().maxT(9).build(),
        HyperBandSchedulerTest::band,
        3,
        20,
        41,
        60);
  }

  @Test
  void medianStopping() {
    roundTrips(
        () -> MedianStoppingRule.builder().gracePeriod(5).build(),
        MedianStoppingRuleTest::population,
        30,
        120);
  }

  @Test
  void populationBasedTraining() {
    roundTrips(
        () -> PopulationBasedTrainingTest.pbt(1),
        PopulationBasedTrainingTest::population,
        45,
        200,
        400);
    PopulationBasedTraining restored = PopulationBasedTrainingTest.pbt(9);
    PopulationBasedTraining used = PopulationBasedTrainingTest.pbt(1);
    PopulationBasedTrainingTest.population(used).run();
    restored.setup("score", dev.prism.tune.Mode.MAX);
    restored.restoreState(used.saveState());
    assertThat(restored.perturbations()).isEqualTo(used.perturbations());
    assertThat(restored.perturbations())
        .allSatisfy(p -> assertThat(p.newConfig().get("batch")).isInstanceOf(Integer.class));
    assertThat(restored.configOf("t0")).isEqualTo(used.configOf("t0"));
  }
}
