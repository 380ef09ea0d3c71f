package dev.prism.tune.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.tune.Mode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PopulationBasedTrainingTest {
  static final List<Integer> BATCHES = List.of(16, 32, 64, 128);

  /** Each step adds exp(-(log10(lr) + 2)^2): lr 0.01 learns fastest; batch does not matter. */
  static final Sim.Model MODEL =
      (config, state, t) -> {
        double lr = ((Number) config.get("lr")).doubleValue();
        double d = Math.log10(lr) + 2;
        return state + Math.exp(-d * d);
      };

  static PopulationBasedTraining pbt(long seed) {
    return PopulationBasedTraining.builder()
        .perturbationInterval(5)
        .mutation("lr", Mutation.sample(r -> Math.pow(10, -4 + 2 * r.nextDouble())))
        .mutation("batch", Mutation.choice(BATCHES))
        .seed(seed)
        .build();
  }

  /** Eight trials whose learning rates are all far from 0.01 but one. */
  static Sim population(TrialScheduler scheduler) {
    Sim sim = new Sim(scheduler, Mode.MAX, 8, 60, MODEL, 0.01, 17);
    double[] lrs = {0.0001, 0.0002, 0.0004, 0.0008, 0.3, 0.5, 0.8, 0.012};
    for (int i = 0; i < lrs.length; i++) {
      sim.add("t" + i, Map.of("lr", lrs[i], "batch", BATCHES.get(i % 4)));
    }
    return sim;
  }

  private static double distance(Map<String, Object> config) {
    return Math.abs(Math.log10(((Number) config.get("lr")).doubleValue()) + 2);
  }

  @Test
  void exploitsCopyATopDonorAndPerturbWithinFactorsAndChoices() {
    PopulationBasedTraining pbt = pbt(1);
    Sim sim = population(pbt).run();
    assertThat(sim.exploits).hasSizeGreaterThanOrEqualTo(6);
    assertThat(pbt.perturbations()).hasSameSizeAs(sim.exploits);
    for (int i = 0; i < sim.exploits.size(); i++) {
      Sim.Exploit e = sim.exploits.get(i);
      PopulationBasedTraining.Perturbation p = pbt.perturbations().get(i);
      assertThat(e.topQuantile()).contains(e.donor());
      assertThat(p.donorId()).isEqualTo(e.donor());
      assertThat(p.trialId()).isEqualTo(e.trial());
      assertThat(p.donorConfig()).isEqualTo(e.donorConfig());
      assertThat(p.newConfig()).isEqualTo(e.newConfig());
      double donorLr = ((Number) e.donorConfig().get("lr")).doubleValue();
      double lr = (Double) e.newConfig().get("lr");
      boolean factor = Math.abs(lr - donorLr * 1.2) < 1e-12 || Math.abs(lr - donorLr * 0.8) < 1e-12;
      assertThat(factor || (lr >= 1e-4 && lr <= 1e-2)).as("lr %s from %s", lr, donorLr).isTrue();
      assertThat(e.newConfig().get("batch")).isInstanceOf(Integer.class).isIn(BATCHES);
      assertThat(BATCHES.indexOf((Integer) e.newConfig().get("batch"))).isBetween(0, 3);
    }
    // Some perturbations multiplied, some moved a choice by one place.
    assertThat(
            pbt.perturbations().stream()
                .filter(p -> !p.newConfig().get("batch").equals(p.donorConfig().get("batch")))
                .count())
        .isPositive();
    // The exploiting trial restarted from the donor's checkpoint: its next result continues the
    // donor's iteration.
    Sim.Exploit first = sim.exploits.get(0);
    assertThat(sim.events)
        .contains(first.trial() + "@" + (first.donorIteration() + 1) + ":CONTINUE");
    assertThat(pbt.configOf(first.trial())).isPresent();
  }

  @Test
  void thePopulationConvergesTowardTheGoodLearningRate() {
    Sim fifo = population(new FifoScheduler()).run();
    Sim sim = population(pbt(2)).run();
    double before =
        sim.trials.values().stream()
            .mapToDouble(t -> distance(fifo.trial(t.id).config))
            .average()
            .orElseThrow();
    double after =
        sim.trials.values().stream().mapToDouble(t -> distance(t.config)).average().orElseThrow();
    assertThat(after).isLessThan(before / 3);
    double fifoMean =
        fifo.trials.values().stream().mapToDouble(t -> t.state).average().orElseThrow();
    double pbtMean = sim.trials.values().stream().mapToDouble(t -> t.state).average().orElseThrow();
    assertThat(pbtMean).isGreaterThan(2 * fifoMean);
  }

  @Test
  void missingAttributesFailOrAreIgnored() {
    PopulationBasedTraining strict = pbt(0);
    strict.setup("acc", Mode.MAX);
    assertThatThrownBy(() -> strict.onTrialResult("x", Map.of("training_iteration", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'acc'");
    PopulationBasedTraining lax =
        PopulationBasedTraining.builder()
            .mutation("lr", Mutation.choice(1, 2))
            .requireAttrs(false)
            .build();
    lax.setup("acc", Mode.MAX);
    assertThat(lax.onTrialResult("x", Map.of("acc", 1.0))).isEqualTo(Decision.CONTINUE);
  }

  @Test
  void customExploreAndIntegerValuesStayIntegers() {
    PopulationBasedTraining p =
        PopulationBasedTraining.builder()
            .perturbationInterval(1)
            .quantileFraction(0.5)
            .resampleProbability(0)
            .mutation("layers", Mutation.sample(r -> 3))
            .customExploreFn(
                c -> {
                  var out = new java.util.LinkedHashMap<>(c);
                  out.put("tag", "explored");
                  return out;
                })
            .build();
    p.setup("acc", Mode.MAX);
    p.onTrialAdd("good", Map.of("layers", 10));
    p.onTrialAdd("bad", Map.of("layers", 2));
    assertThat(p.onTrialResult("good", Map.of("training_iteration", 1, "acc", 0.9)))
        .isEqualTo(Decision.CONTINUE);
    Decision d = p.onTrialResult("bad", Map.of("training_iteration", 1, "acc", 0.1));
    assertThat(d.action()).isEqualTo(Decision.Action.EXPLOIT);
    Map<String, Object> cfg = d.exploit().orElseThrow().newConfig();
    assertThat(cfg.get("layers")).isIn(12, 8);
    assertThat(cfg).containsEntry("tag", "explored");
    assertThat(p.configOf("bad")).contains(cfg);
  }

  @Test
  void rejectsInvalidOptions() {
    assertThatThrownBy(() -> PopulationBasedTraining.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hyperparamMutations");
    assertThatThrownBy(() -> PopulationBasedTraining.builder().quantileFraction(0.6))
        .hasMessageContaining("quantileFraction")
        .hasMessageContaining("0.6");
    assertThatThrownBy(() -> PopulationBasedTraining.builder().resampleProbability(1.5))
        .hasMessageContaining("resampleProbability")
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> PopulationBasedTraining.builder().perturbationInterval(0))
        .hasMessageContaining("perturbationInterval")
        .hasMessageContaining("0.0");
    assertThatThrownBy(() -> PopulationBasedTraining.builder().perturbationFactors(List.of()))
        .hasMessageContaining("perturbationFactors")
        .hasMessageContaining("[]");
    assertThatThrownBy(() -> PopulationBasedTraining.builder().burnInPeriod(-2))
        .hasMessageContaining("burnInPeriod")
        .hasMessageContaining("-2.0");
    assertThatThrownBy(() -> Mutation.choice(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one value");
  }
}
