package dev.prism.tune.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FifoAndAshaSchedulerTest {

  /** 16 trials with asymptotes 0.5 .. 0.95 in a seeded order; trial "best" has the largest. */
  static Sim population(TrialScheduler scheduler, long maxIter) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(7));
    Sim sim = new Sim(scheduler, Mode.MAX, 4, maxIter, Sim.curve(5), 0.001, 11);
    for (int i : order) {
      sim.add(i == 15 ? "best" : "t" + i, Map.of("a", 0.5 + 0.03 * i));
    }
    return sim;
  }

  @Test
  void fifoRunsEveryTrialToTheEndInOrder() {
    Sim sim = population(new FifoScheduler(), 20).run();
    assertThat(sim.trials.values()).allSatisfy(t -> assertThat(t.completed).isTrue());
    assertThat(sim.totalSpent()).isEqualTo(16 * 20);
    List<String> runOrder =
        sim.events.stream()
            .filter(e -> e.endsWith(":RUN"))
            .map(e -> e.substring(0, e.indexOf(':')))
            .toList();
    assertThat(runOrder).containsExactlyElementsOf(sim.trials.keySet());
  }

  @Test
  void ashaStopsBadTrialsEarlyAndKeepsTheBestToMaxT() {
    AshaScheduler asha = AshaScheduler.builder().maxT(64).build();
    Sim sim = population(asha, 64).run();
    assertThat(asha.rungMilestones(0)).containsExactly(1.0, 4.0, 16.0, 64.0);
    // FIFO spends 16 * 64 = 1024 iterations.
    assertThat(sim.totalSpent()).isLessThan(16 * 64 / 2);
    assertThat(sim.trial("best").iteration).isEqualTo(64);
    assertThat(sim.trial("best").stoppedAt).containsExactly(64L);
    long stoppedEarly =
        sim.trials.values().stream()
            .filter(t -> !t.stoppedAt.isEmpty() && t.stoppedAt.get(0) < 64)
            .count();
    assertThat(stoppedEarly).isGreaterThanOrEqualTo(10);
    // Every early stop happens at a rung milestone.
    sim.trials.values().stream()
        .flatMap(t -> t.stoppedAt.stream())
        .forEach(s -> assertThat(s).isIn(1L, 4L, 16L, 64L));
    assertThat(asha.recordedAt(0, 1.0)).hasSize(16);
  }

  @Test
  void rungCutoffIsTheUpperQuantileOfRecordedScores() {
    AshaScheduler asha = AshaScheduler.builder().maxT(100).build();
    asha.setup("acc", Mode.MAX);
    for (int i = 1; i <= 4; i++) {
      asha.onTrialAdd("r" + i, Map.of());
      assertThat(asha.onTrialResult("r" + i, Map.of("training_iteration", 1, "acc", (double) i)))
          .isEqualTo(Decision.CONTINUE);
    }
    // Recorded 1, 2, 3, 4 but r1..r3 saw fewer values; the cutoff now is the 75th percentile: 3.25.
    asha.onTrialAdd("low", Map.of());
    asha.onTrialAdd("high", Map.of());
    assertThat(asha.onTrialResult("low", Map.of("training_iteration", 1, "acc", 3.2)))
        .isEqualTo(Decision.STOP);
    // Now 1, 2, 3, 4, 3.2: the 75th percentile is 3.2 exactly.
    assertThat(asha.onTrialResult("high", Map.of("training_iteration", 1, "acc", 3.2)))
        .isEqualTo(Decision.CONTINUE);
    // Results before the next milestone, without the metric, or repeated at a rung go on.
    assertThat(asha.onTrialResult("high", Map.of("training_iteration", 3, "acc", -100.0)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(asha.onTrialResult("high", Map.of("training_iteration", 4)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(asha.onTrialResult("high", Map.of("training_iteration", 100, "acc", 0.0)))
        .isEqualTo(Decision.STOP);
    assertThat(asha.recordedAt(0, 1.0)).containsEntry("low", 3.2).hasSize(6);

    AshaScheduler min = AshaScheduler.builder().reductionFactor(2).maxT(8).build();
    min.setup("loss", Mode.MIN);
    assertThat(min.rungMilestones(0)).containsExactly(1.0, 2.0, 4.0, 8.0);
    min.onTrialAdd("a", Map.of());
    min.onTrialAdd("b", Map.of());
    min.onTrialAdd("c", Map.of());
    assertThat(min.onTrialResult("a", Map.of("training_iteration", 2, "loss", 1.0)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(min.onTrialResult("b", Map.of("training_iteration", 2, "loss", 2.0)))
        .isEqualTo(Decision.STOP);
    assertThat(min.onTrialResult("c", Map.of("training_iteration", 2, "loss", 0.5)))
        .isEqualTo(Decision.CONTINUE);
  }

  @Test
  void ashaBracketsAreAssignedRoundRobin() {
    AshaScheduler asha = AshaScheduler.builder().maxT(64).brackets(2).build();
    asha.setup("acc", Mode.MAX);
    assertThat(asha.rungMilestones(1)).containsExactly(4.0, 16.0, 64.0);
    asha.onTrialAdd("x", Map.of());
    asha.onTrialAdd("y", Map.of());
    asha.onTrialResult("x", Map.of("training_iteration", 4, "acc", 1.0));
    asha.onTrialResult("y", Map.of("training_iteration", 4, "acc", 1.0));
    assertThat(asha.recordedAt(0, 4.0)).containsOnlyKeys("x");
    assertThat(asha.recordedAt(1, 4.0)).containsOnlyKeys("y");
  }

  @Test
  void ashaRejectsInvalidOptions() {
    assertThatThrownBy(() -> AshaScheduler.builder().reductionFactor(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reductionFactor")
        .hasMessageContaining("1.0");
    assertThatThrownBy(() -> AshaScheduler.builder().gracePeriod(0))
        .hasMessageContaining("gracePeriod")
        .hasMessageContaining("0.0");
    assertThatThrownBy(() -> AshaScheduler.builder().maxT(-5))
        .hasMessageContaining("maxT")
        .hasMessageContaining("-5.0");
    assertThatThrownBy(() -> AshaScheduler.builder().brackets(0))
        .hasMessageContaining("brackets")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> AshaScheduler.builder().timeAttr(" "))
        .hasMessageContaining("timeAttr");
    assertThatThrownBy(() -> AshaScheduler.builder().gracePeriod(10).maxT(5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gracePeriod")
        .hasMessageContaining("10.0")
        .hasMessageContaining("maxT");
  }
}
