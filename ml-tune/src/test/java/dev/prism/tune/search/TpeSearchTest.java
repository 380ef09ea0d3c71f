package dev.prism.tune.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class TpeSearchTest {
  private static final Space SQUARE =
      Space.builder().add("x", Domain.uniform(-5, 5)).add("y", Domain.uniform(-5, 5)).build();
  private static final Space BRANIN =
      Space.builder().add("x1", Domain.uniform(-5, 10)).add("x2", Domain.uniform(0, 15)).build();

  private static double quadratic(Map<String, Object> c) {
    double x = (Double) c.get("x") - 1.3;
    double y = (Double) c.get("y") + 2.1;
    return x * x + 3 * y * y;
  }

  private static double branin(Map<String, Object> c) {
    double x1 = (Double) c.get("x1");
    double x2 = (Double) c.get("x2");
    double u = x2 - 5.1 / (4 * Math.PI * Math.PI) * x1 * x1 + 5 / Math.PI * x1 - 6;
    return u * u + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  }

  /** The best value of one minimising run. */
  private static double best(
      Searcher s, Space space, ToDoubleFunction<Map<String, Object>> f, int trials, long seed) {
    s.setup(space, "loss", Mode.MIN, seed);
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      Map<String, Object> c = s.suggest("t" + i).orElseThrow();
      double v = f.applyAsDouble(c);
      s.onTrialComplete("t" + i, Map.of("loss", v), false);
      best = Math.min(best, v);
    }
    return best;
  }

  private static double median(
      Supplier<Searcher> make, Space space, ToDoubleFunction<Map<String, Object>> f, int trials) {
    double[] b = new double[9];
    for (int seed = 0; seed < b.length; seed++) {
      b[seed] = best(make.get(), space, f, trials, seed);
    }
    Arrays.sort(b);
    return b[b.length / 2];
  }

  @Test
  void beatsRandomSearchOnAQuadratic() {
    double tpe = median(TpeSearch::new, SQUARE, TpeSearchTest::quadratic, 60);
    double random = median(RandomSearch::new, SQUARE, TpeSearchTest::quadratic, 60);
    assertThat(tpe).isLessThan(random / 3);
  }

  @Test
  void beatsRandomSearchOnBranin() {
    double tpe = median(TpeSearch::new, BRANIN, TpeSearchTest::branin, 80);
    double random = median(RandomSearch::new, BRANIN, TpeSearchTest::branin, 80);
    double optimum = 0.397887;
    assertThat(tpe - optimum).isLessThan((random - optimum) / 2);
  }

  @Test
  void maximisesWhenAskedTo() {
    TpeSearch s = new TpeSearch();
    s.setup(SQUARE, "score", Mode.MAX, 4);
    double best = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < 60; i++) {
      double v = -quadratic(s.suggest("t" + i).orElseThrow());
      s.onTrialComplete("t" + i, Map.of("score", v), false);
      best = Math.max(best, v);
    }
    assertThat(best).isGreaterThan(-0.5);
  }

  @Test
  void ignoresErroredTrialsAndTrialsWithoutTheMetric() {
    TpeSearch s = TpeSearch.builder().nStartupTrials(5).build();
    s.setup(SQUARE, "loss", Mode.MIN, 11);
    int extra = 0;
    for (int i = 0; i < 20; i++) {
      Map<String, Object> c = s.suggest("t" + i).orElseThrow();
      s.onTrialComplete("t" + i, Map.of("loss", quadratic(c)), false);
      if (i % 3 == 0) {
        // A failed trial with a misleadingly good value, one without the metric, one with NaN.
        String failed = "x" + extra++;
        s.suggest(failed);
        s.onTrialComplete(failed, Map.of("loss", -1000.0), true);
        String noMetric = "x" + extra++;
        s.suggest(noMetric);
        s.onTrialComplete(noMetric, Map.of("accuracy", 0.9), false);
        String nan = "x" + extra++;
        s.suggest(nan);
        s.onTrialComplete(nan, Map.of("loss", Double.NaN), false);
      }
    }
    s.onTrialComplete("never-suggested", Map.of("loss", -5.0), false);
    JsonNode state = s.saveState();
    assertThat(state.get("observations")).hasSize(20);
    for (JsonNode o : state.get("observations")) {
      assertThat(o.get("score").asDouble()).isLessThanOrEqualTo(0.0);
    }
    assertThat(state.get("pending")).isEmpty();
    assertThat(state.get("suggested").asLong()).isEqualTo(20 + extra);
  }

  @Test
  void restoreContinuesIdentically() {
    Space mixed =
        Space.builder()
            .add("lr", Domain.loguniform(1e-4, 1))
            .add("units", Domain.qrandint(8, 64, 8))
            .add("layers", Domain.randint(1, 4))
            .add("opt", Domain.choice("sgd", "adam"))
            .add("drop", Domain.quniform(0, 0.5, 0.1))
            .add("w", Domain.normal(0, 1))
            .add("bs", Domain.lograndint(16, 512))
            .constant("epochs", 3)
            .computed("steps", c -> 100 * (Integer) c.get("layers"))
            .build();
    ToDoubleFunction<Map<String, Object>> f =
        c ->
            Math.abs(Math.log10((Double) c.get("lr")) + 2)
                + Math.abs((Integer) c.get("units") - 40) / 10.0
                + ("adam".equals(c.get("opt")) ? 0 : 1)
                + (Double) c.get("drop");
    TpeSearch original = TpeSearch.builder().nStartupTrials(5).build();
    original.setup(mixed, "loss", Mode.MIN, 5);
    for (int i = 0; i < 15; i++) {
      Map<String, Object> c = original.suggest("t" + i).orElseThrow();
      original.onTrialComplete("t" + i, Map.of("loss", f.applyAsDouble(c)), false);
    }
    original.suggest("pending");
    JsonNode state = original.saveState();
    List<Map<String, Object>> expected = new ArrayList<>();
    TpeSearch restored = TpeSearch.builder().nStartupTrials(5).build();
    restored.setup(mixed, "loss", Mode.MIN, 5);
    restored.restoreState(state);
    for (TpeSearch s : List.of(original, restored)) {
      List<Map<String, Object>> got = new ArrayList<>();
      s.onTrialComplete("pending", Map.of("loss", 0.5), false);
      for (int i = 15; i < 25; i++) {
        Map<String, Object> c = s.suggest("t" + i).orElseThrow();
        s.onTrialComplete("t" + i, Map.of("loss", f.applyAsDouble(c)), false);
        got.add(c);
      }
      if (expected.isEmpty()) {
        expected.addAll(got);
      } else {
        assertThat(got).isEqualTo(expected);
      }
    }
    for (Map<String, Object> c : expected) {
      assertThat((Double) c.get("lr")).isBetween(1e-4, 1.0);
      assertThat((Integer) c.get("units") % 8).isZero();
      assertThat((Integer) c.get("layers")).isBetween(1, 3);
      assertThat((Integer) c.get("bs")).isBetween(16, 511);
      assertThat(c.get("steps")).isEqualTo(100 * (Integer) c.get("layers"));
      assertThat(c.get("epochs")).isEqualTo(3);
    }
  }

  @Test
  void pointsToEvaluateComeFirst() {
    TpeSearch s =
        TpeSearch.builder().pointsToEvaluate(List.of(Map.of("x", 1.3, "y", -2.1))).build();
    s.setup(SQUARE, "loss", Mode.MIN, 0);
    assertThat(s.suggest("t0").orElseThrow()).containsEntry("x", 1.3).containsEntry("y", -2.1);
  }

  @Test
  void refusesGridsAndBadOptions() {
    Space grid = Space.builder().add("a", Domain.grid(1, 2)).build();
    assertThatThrownBy(() -> new TpeSearch().setup(grid, "loss", Mode.MIN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameter 'a' is a grid");
    assertThatThrownBy(() -> TpeSearch.builder().nEiCandidates(0))
        .hasMessageContaining("nEiCandidates");
    assertThatThrownBy(() -> TpeSearch.builder().priorWeight(0))
        .hasMessageContaining("priorWeight");
  }

  @Test
  void defaultGammaAndWeightsAreOptunas() {
    assertThat(TpeSearch.defaultGamma(1)).isEqualTo(1);
    assertThat(TpeSearch.defaultGamma(100)).isEqualTo(10);
    assertThat(TpeSearch.defaultGamma(1000)).isEqualTo(25);
    assertThat(TpeSearch.defaultWeights(3)).containsExactly(1, 1, 1);
    double[] w = TpeSearch.defaultWeights(30);
    assertThat(w[0]).isEqualTo(1.0 / 30);
    assertThat(w[4]).isEqualTo(1.0);
    assertThat(w[29]).isEqualTo(1.0);
  }
}
