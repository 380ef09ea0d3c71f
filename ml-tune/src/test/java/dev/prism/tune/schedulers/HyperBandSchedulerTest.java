package dev.prism.tune.schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HyperBandSchedulerTest {

  /**
   * One band for maxT 9 and eta 3: bracket s=0 holds 3 trials run to 9, s=1 holds 5 run to 3 of
   * which 2 go on to 9, s=2 holds 9 run to 1, then 3 to 3, then 1 to 9.
   */
  static Sim band(TrialScheduler scheduler) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(3));
    Sim sim = new Sim(scheduler, Mode.MAX, 4, 9, Sim.curve(4), 0.0005, 5);
    for (int i = 0; i < 17; i++) {
      sim.add("t" + i, Map.of("a", 0.4 + 0.03 * order.get(i)));
    }
    return sim;
  }

  @Test
  void pausesAtMilestonesAndPromotesTheTopThird() {
    HyperBandScheduler hb = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
    Sim sim = band(hb).run();
    assertThat(hb.bracketsPerBand()).isEqualTo(3);
    // 3 * 9 + (5 * 3 + 2 * 6) + (9 * 1 + 3 * 2 + 1 * 6) iterations in all.
    assertThat(sim.totalSpent()).isEqualTo(27 + 27 + 21);
    sim.trials
        .values()
        .forEach(t -> assertThat(t.pausedAt).allSatisfy(p -> assertThat(p).isIn(1L, 3L, 9L)));
    assertThat(sim.trials.values())
        .allSatisfy(t -> assertThat(t.status).isEqualTo(Sim.Status.TERMINATED));

    List<Sim.Trial> s1 = bracket(sim, 3, 8);
    List<Sim.Trial> s2 = bracket(sim, 8, 17);
    assertThat(s1.stream().filter(t -> t.iteration == 9).toList())
        .containsExactlyInAnyOrderElementsOf(s1.subList(0, 2));
    assertThat(s1.subList(2, 5)).allSatisfy(t -> assertThat(t.iteration).isEqualTo(3));
    assertThat(s2.stream().filter(t -> t.iteration >= 3).toList())
        .containsExactlyInAnyOrderElementsOf(s2.subList(0, 3));
    assertThat(s2.get(0).iteration).isEqualTo(9);
    assertThat(s2.subList(1, 3)).allSatisfy(t -> assertThat(t.iteration).isEqualTo(3));
    // Cut trials that were paused are ended through trialsToStop.
    assertThat(sim.trials.values().stream().filter(t -> t.stoppedWhilePaused).count())
        .isGreaterThanOrEqualTo(8);
    // The best trial of all reaches maxT.
    Sim.Trial best =
        sim.trials.values().stream().max(Comparator.comparingDouble(t -> a(t))).orElseThrow();
    assertThat(best.iteration).isEqualTo(9);
    assertThat(hb.stoppedCount()).isEqualTo(17);
  }

  /** The trials of creation positions [from, to), best asymptote first. */
  private static List<Sim.Trial> bracket(Sim sim, int from, int to) {
    List<Sim.Trial> out = new ArrayList<>(new ArrayList<>(sim.trials.values()).subList(from, to));
    out.sort(Comparator.comparingDouble((Sim.Trial t) -> a(t)).reversed());
    return out;
  }

  private static double a(Sim.Trial t) {
    return ((Number) t.config.get("a")).doubleValue();
  }

  @Test
  void aRemovedTrialLetsTheBracketGoOnAndOnlyChosenTrialsResume() {
    HyperBandScheduler hb = HyperBandScheduler.builder().maxT(9).build();
    hb.setup("acc", Mode.MAX);
    for (int i = 0; i < 8; i++) {
      hb.onTrialAdd("t" + i, Map.of());
    }
    assertThat(hb.milestoneOf("t0")).contains(9L);
    assertThat(hb.milestoneOf("t3")).contains(3L);
    List<String> waiting = new ArrayList<>(List.of("t3", "t4", "t5", "t6", "t7"));
    for (int i = 3; i < 7; i++) {
      assertThat(hb.chooseTrialToRun(waiting)).contains("t" + i);
      waiting.remove("t" + i);
      for (int it = 1; it <= 2; it++) {
        assertThat(hb.onTrialResult("t" + i, Map.of("training_iteration", it, "acc", i * 0.1)))
            .isEqualTo(Decision.CONTINUE);
      }
      assertThat(hb.onTrialResult("t" + i, Map.of("training_iteration", 3, "acc", i * 0.1)))
          .isEqualTo(Decision.PAUSE);
      waiting.add("t" + i);
    }
    // t7 never ran: paused trials are not resumed, t7 is offered.
    assertThat(hb.chooseTrialToRun(List.of("t3", "t4", "t5", "t6"))).isEmpty();
    assertThat(hb.trialsToStop()).isEmpty();
    // t7 fails: the bracket halves to ceil(5 / 3) = 2 trials among the 4 left; t5 and t6 go on.
    hb.onTrialRemove("t7");
    assertThat(hb.trialsToStop()).containsExactly("t3", "t4");
    assertThat(hb.trialsToStop()).isEmpty();
    assertThat(hb.milestoneOf("t5")).contains(9L);
    assertThat(hb.chooseTrialToRun(List.of("t5", "t6"))).contains("t5");
    assertThat(hb.onTrialResult("t5", Map.of("training_iteration", 4, "acc", 1.0)))
        .isEqualTo(Decision.CONTINUE);
    assertThat(hb.onTrialResult("t3", Map.of("training_iteration", 4, "acc", 1.0)))
        .isEqualTo(Decision.STOP);
    assertThat(hb.onTrialResult("t5", Map.of("training_iteration", 5)))
        .isEqualTo(Decision.CONTINUE);
  }

  @Test
  void rejectsInvalidOptions() {
    assertThatThrownBy(() -> HyperBandScheduler.builder().maxT(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxT")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> HyperBandScheduler.builder().reductionFactor(0.5))
        .hasMessageContaining("reductionFactor")
        .hasMessageContaining("0.5");
    assertThatThrownBy(() -> HyperBandScheduler.builder().timeAttr(null))
        .hasMessageContaining("timeAttr");
  }
}
