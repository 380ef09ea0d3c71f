package dev.prism.tune.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RandomAndGridSearchTest {
  private static final Space GRIDDED =
      Space.builder()
          .add("a", Domain.grid(1, 2, 3))
          .add("lr", Domain.loguniform(1e-3, 1))
          .add("b", Domain.grid("x", "y"))
          .computed("lr2", c -> (Double) c.get("lr") * 2)
          .build();

  private static List<Map<String, Object>> suggest(Searcher s, int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(s.suggest("t" + i).orElseThrow());
    }
    return out;
  }

  @Test
  void randomSearchRunsEveryGridPointNumSamplesTimes() {
    RandomSearch s = new RandomSearch();
    s.setup(GRIDDED, "loss", Mode.MIN, 42);
    assertThat(s.trialCount(4)).isEqualTo(24);
    Map<List<Object>, Integer> counts = new HashMap<>();
    for (Map<String, Object> c : suggest(s, 24)) {
      counts.merge(List.of(c.get("a"), c.get("b")), 1, Integer::sum);
      assertThat((Double) c.get("lr")).isBetween(1e-3, 1.0);
      assertThat(c.get("lr2")).isEqualTo((Double) c.get("lr") * 2);
    }
    assertThat(counts).hasSize(6).allSatisfy((k, v) -> assertThat(v).isEqualTo(4));
  }

  @Test
  void randomSearchIsDeterministicForASeed() {
    RandomSearch a = new RandomSearch();
    RandomSearch b = new RandomSearch();
    RandomSearch c = new RandomSearch();
    a.setup(GRIDDED, "loss", Mode.MIN, 1);
    b.setup(GRIDDED, "loss", Mode.MIN, 1);
    c.setup(GRIDDED, "loss", Mode.MIN, 2);
    List<Map<String, Object>> first = suggest(a, 10);
    assertThat(suggest(b, 10)).isEqualTo(first);
    assertThat(suggest(c, 10)).isNotEqualTo(first);
  }

  @Test
  void pointsToEvaluateComeFirstAndCount() {
    RandomSearch s =
        new RandomSearch(List.of(Map.of("lr", 0.5), Map.of("lr", 0.25, "a", 3), Map.of("lr", 0.1)));
    Space space =
        Space.builder().add("lr", Domain.uniform(0, 1)).add("a", Domain.grid(1, 2)).build();
    s.setup(space, "loss", Mode.MIN, 3);
    assertThat(s.trialCount(1)).isEqualTo(3);
    assertThat(s.trialCount(5)).isEqualTo(10);
    List<Map<String, Object>> c = suggest(s, 4);
    assertThat(c.get(0)).containsEntry("lr", 0.5).containsEntry("a", 1);
    assertThat(c.get(1)).containsEntry("lr", 0.25).containsEntry("a", 3);
    assertThat(c.get(2)).containsEntry("lr", 0.1).containsEntry("a", 1);
    assertThat(c.get(3)).containsEntry("a", 2);
    RandomSearch bad = new RandomSearch(List.of(Map.of("nope", 1)));
    assertThatThrownBy(() -> bad.setup(space, "loss", Mode.MIN, 3)).hasMessageContaining("'nope'");
  }

  @Test
  void gridSearchEnumeratesGridsAndChoices() {
    Space space =
        Space.builder()
            .add("a", Domain.grid(1, 2))
            .add("opt", Domain.choice("sgd", "adam", "lamb"))
            .constant("k", 7)
            .computed("tag", c -> c.get("opt") + "-" + c.get("a"))
            .build();
    GridSearch s = new GridSearch();
    s.setup(space, "loss", Mode.MIN, 0);
    assertThat(s.trialCount(2)).isEqualTo(12);
    List<Map<String, Object>> c = suggest(s, 12);
    assertThat(c.subList(0, 3))
        .extracting(m -> m.get("tag"))
        .containsExactly("sgd-1", "adam-1", "lamb-1");
    assertThat(c.subList(0, 6)).doesNotHaveDuplicates();
    assertThat(c.subList(6, 12)).isEqualTo(c.subList(0, 6));
    assertThat(c).allSatisfy(m -> assertThat(m).containsEntry("k", 7));
  }

  @Test
  void gridSearchRefusesContinuousDomainsByName() {
    Space space =
        Space.builder()
            .add("a", Domain.grid(1, 2))
            .add("lr", Domain.uniform(0, 1))
            .add("n", Domain.randint(0, 3))
            .build();
    assertThatThrownBy(() -> new GridSearch().setup(space, "loss", Mode.MIN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lr (uniform)")
        .hasMessageContaining("n (randint)");
  }

  private static void restoresIdentically(Supplier<Searcher> make, Space space) {
    Searcher original = make.get();
    original.setup(space, "loss", Mode.MIN, 9);
    suggest(original, 5);
    var state = original.saveState();
    List<Map<String, Object>> expected = suggest(original, 5);
    Searcher restored = make.get();
    restored.setup(space, "loss", Mode.MIN, 9);
    restored.restoreState(state);
    assertThat(suggest(restored, 5)).isEqualTo(expected);
  }

  @Test
  void restoreContinuesIdentically() {
    restoresIdentically(RandomSearch::new, GRIDDED);
    restoresIdentically(
        GridSearch::new,
        Space.builder().add("a", Domain.grid(1, 2, 3)).add("b", Domain.choice(4, 5)).build());
    assertThatThrownBy(() -> new RandomSearch().restoreState(new GridSearch().saveState()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
