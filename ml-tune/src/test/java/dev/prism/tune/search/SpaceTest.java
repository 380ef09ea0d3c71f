package dev.prism.tune.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpaceTest {

  @Test
  void entriesKeepTheirOrderAndKind() {
    Space s =
        Space.builder()
            .add("lr", Domain.loguniform(1e-4, 1e-1))
            .constant("epochs", 3)
            .computed("half", c -> ((Double) c.get("lr")) / 2)
            .add("layers", Domain.grid(1, 2, 3))
            .add("act", Domain.grid("relu", "tanh"))
            .build();
    assertThat(s.names()).containsExactly("lr", "epochs", "half", "layers", "act");
    assertThat(s.get("epochs")).isEqualTo(new Space.Constant("epochs", 3));
    assertThat(s.get("lr")).isInstanceOf(Space.Sampled.class);
    assertThat(s.get("half")).isInstanceOf(Space.Derived.class);
    assertThat(s.gridSize()).isEqualTo(6);
    assertThat(Space.builder().build().gridSize()).isEqualTo(1);
    assertThatThrownBy(() -> s.get("nope")).hasMessageContaining("no parameter 'nope'");
  }

  @Test
  void computedValuesSeeSampledValuesAndEarlierComputedOnes() {
    Space s =
        Space.builder()
            .computed("double", c -> 2 * (Integer) c.get("x"))
            .add("x", Domain.randint(1, 100))
            .computed("plusOne", c -> (Integer) c.get("double") + 1)
            .constant("k", 10)
            .build();
    for (int i = 0; i < 50; i++) {
      Map<String, Object> c = s.sample(new Random(i), Map.of());
      assertThat(c.keySet()).containsExactly("double", "x", "plusOne", "k");
      assertThat(c.get("double")).isEqualTo(2 * (Integer) c.get("x"));
      assertThat(c.get("plusOne")).isEqualTo((Integer) c.get("double") + 1);
    }
  }

  @Test
  void fixedValuesWin() {
    Space s =
        Space.builder()
            .add("x", Domain.uniform(0, 1))
            .constant("k", 1)
            .computed("y", c -> (Double) c.get("x") * 10)
            .build();
    Map<String, Object> c = s.sample(new Random(1), Map.of("x", 0.5, "k", 2));
    assertThat(c).containsEntry("x", 0.5).containsEntry("k", 2).containsEntry("y", 5.0);
    assertThatThrownBy(() -> s.sample(new Random(1), Map.of("z", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'z'");
  }

  @Test
  void aFailingComputedFunctionIsReportedByName() {
    Space s = Space.builder().computed("ratio", c -> 1 / (Integer) c.get("missing")).build();
    assertThatThrownBy(() -> s.sample(new Random(1), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameter 'ratio'")
        .hasMessageContaining("computed function failed");
  }

  @Test
  void badNamesAreRefused() {
    assertThatThrownBy(() -> Space.builder().constant("", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> Space.builder().constant(null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Space.builder().constant("a", 1).add("a", Domain.uniform(0, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameter 'a' is defined twice");
    assertThatThrownBy(() -> Space.builder().add("d", null)).hasMessageContaining("parameter 'd'");
    assertThatThrownBy(() -> Space.builder().computed("f", null))
        .hasMessageContaining("parameter 'f'");
  }
}
