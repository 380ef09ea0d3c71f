package dev.prism.tune.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.tune.Mode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MedianStoppingRuleTest {

  static Sim population(TrialScheduler scheduler) {
    Sim sim = new Sim(scheduler, Mode.MAX, 10, 30, Sim.curve(5), 0.001, 13);
    double[] a = {0.62, 0.91, 0.55, 0.74, 0.83, 0.50, 0.69, 0.97, 0.58, 0.78};
    for (int i = 0; i < a.length; i++) {
      sim.add("t" + i, Map.of("a", a[i]));
    }
    return sim;
  }

  @Test
  void stopsBelowMedianTrialsAfterTheGracePeriodAndKeepsTheBest() {
    MedianStoppingRule rule = MedianStoppingRule.builder().gracePeriod(5).build();
    Sim sim = population(rule).run();
    assertThat(rule.stoppedTrials()).hasSizeGreaterThanOrEqualTo(3);
    for (String id : rule.stoppedTrials()) {
      Sim.Trial t = sim.trial(id);
      assertThat(t.stoppedAt)
          .singleElement()
          .satisfies(s -> assertThat(s).isGreaterThanOrEqualTo(5L));
      assertThat(((Number) t.config.get("a")).doubleValue()).isLessThan(0.7);
    }
    assertThat(sim.trial("t7").completed).isTrue();
    assertThat(sim.trial("t7").iteration).isEqualTo(30);
    assertThat(sim.totalSpent()).isLessThan(10 * 30);
  }

  @Test
  void comparesTheBestResultWithTheMedianOfRunningMeans() {
    MedianStoppingRule rule =
        MedianStoppingRule.builder().gracePeriod(2).minSamplesRequired(2).build();
    rule.setup("loss", Mode.MIN);
    // Running means from time 2 up to 3: a 2.5, b 3.5.
    for (String[] r : new String[][] {{"a", "9", "2", "3"}, {"b", "9", "3", "4"}}) {
      rule.onTrialResult(r[0], Map.of("training_iteration", 1, "loss", Double.parseDouble(r[1])));
      rule.onTrialResult(r[0], Map.of("training_iteration", 2, "loss", Double.parseDouble(r[2])));
      rule.onTrialResult(r[0], Map.of("training_iteration", 3, "loss", Double.parseDouble(r[3])));
    }
    // Before the grace period and with too few samples: go on.
    assertThat(rule.onTrialResult("c", Map.of("training_iteration", 1, "loss", 50.0)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(rule.onTrialResult("c", Map.of("training_iteration", 4, "loss", 50.0)))
        .isEqualTo(Decision.CONTINUE);
    // Median 3.0: a best of 3.0 is not strictly worse, 3.01 is.
    assertThat(rule.onTrialResult("d", Map.of("training_iteration", 3, "loss", 3.0)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(rule.onTrialResult("e", Map.of("training_iteration", 3, "loss", 3.01)))
        .isEqualTo(Decision.STOP);
    assertThat(rule.onTrialResult("e", Map.of("training_iteration", 4)))
        .isEqualTo(Decision.CONTINUE);

    MedianStoppingRule soft =
        MedianStoppingRule.builder().gracePeriod(0).minSamplesRequired(1).hardStop(false).build();
    soft.setup("acc", Mode.MAX);
    soft.onTrialResult("x", Map.of("training_iteration", 1, "acc", 1.0));
    assertThat(soft.onTrialResult("y", Map.of("training_iteration", 1, "acc", 0.5)))
        .isEqualTo(Decision.PAUSE);
    assertThat(soft.onTrialResult("y", Map.of("training_iteration", 2, "acc", 0.1)))
        .isEqualTo(Decision.CONTINUE);
  }

  @Test
  void rejectsInvalidOptions() {
    assertThatThrownBy(() -> MedianStoppingRule.builder().gracePeriod(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gracePeriod")
        .hasMessageContaining("-1.0");
    assertThatThrownBy(() -> MedianStoppingRule.builder().minSamplesRequired(0))
        .hasMessageContaining("minSamplesRequired")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> MedianStoppingRule.builder().timeAttr(""))
        .hasMessageContaining("timeAttr");
  }
}
