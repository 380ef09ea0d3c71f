package dev.prism.tune.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DomainTest {
  private static final int N = 2000;

  private static List<Object> draw(Domain d) {
    Random rnd = new Random(7);
    return java.util.stream.IntStream.range(0, N).mapToObj(i -> d.sample(rnd)).toList();
  }

  private static boolean isMultiple(double v, double q) {
    double k = v / q;
    return Math.abs(k - Math.rint(k)) < 1e-9;
  }

  @Test
  void uniformIsADoubleWithinBounds() {
    for (Object o : draw(Domain.uniform(-2, 3))) {
      assertThat(o).isInstanceOf(Double.class);
      assertThat((Double) o).isBetween(-2.0, 3.0);
    }
  }

  @Test
  void quniformIsAMultipleOfQWithinBounds() {
    Set<Object> seen = new HashSet<>();
    for (Object o : draw(Domain.quniform(0.05, 1.0, 0.1))) {
      double v = (Double) o;
      assertThat(v).isBetween(0.1, 1.0);
      assertThat(isMultiple(v, 0.1)).isTrue();
      seen.add(o);
    }
    assertThat(seen).contains(0.1, 0.3, 1.0).hasSize(10);
  }

  @Test
  void loguniformIsWithinBoundsAndSpreadOverDecades() {
    int below = 0;
    for (Object o : draw(Domain.loguniform(1e-4, 1e-1))) {
      double v = (Double) o;
      assertThat(v).isBetween(1e-4, 1e-1);
      if (v < 1e-3) {
        below++;
      }
    }
    assertThat(below).isBetween(N / 3 - 150, N / 3 + 150);
  }

  @Test
  void qloguniformIsAQuantizedDoubleWithinBounds() {
    for (Object o : draw(Domain.qloguniform(1, 1000, 5))) {
      double v = (Double) o;
      assertThat(v).isBetween(5.0, 1000.0);
      assertThat(isMultiple(v, 5)).isTrue();
    }
  }

  @Test
  void randintExcludesTheUpperBound() {
    Set<Object> seen = new HashSet<>(draw(Domain.randint(3, 7)));
    assertThat(seen).containsExactlyInAnyOrder(3, 4, 5, 6);
  }

  @Test
  void qrandintIncludesTheUpperBound() {
    Set<Object> seen = new HashSet<>(draw(Domain.qrandint(1, 20, 5)));
    assertThat(seen).containsExactlyInAnyOrder(5, 10, 15, 20);
  }

  @Test
  void lograndintIsAnIntegerBelowTheUpperBound() {
    Set<Object> seen = new HashSet<>();
    for (Object o : draw(Domain.lograndint(1, 100))) {
      assertThat(o).isInstanceOf(Integer.class);
      assertThat((Integer) o).isBetween(1, 99);
      seen.add(o);
    }
    assertThat(seen).contains(1, 2, 3);
  }

  @Test
  void normalHasItsMeanAndSpread() {
    double sum = 0;
    double sq = 0;
    for (Object o : draw(Domain.normal(5, 2))) {
      double v = (Double) o;
      sum += v;
      sq += v * v;
    }
    double mean = sum / N;
    assertThat(mean).isBetween(4.8, 5.2);
    assertThat(Math.sqrt(sq / N - mean * mean)).isBetween(1.8, 2.2);
  }

  @Test
  void qnormalIsQuantized() {
    for (Object o : draw(Domain.qnormal(0, 1, 0.25))) {
      assertThat(isMultiple((Double) o, 0.25)).isTrue();
    }
  }

  @Test
  void choiceAndGridPickTheirValues() {
    assertThat(new HashSet<>(draw(Domain.choice("a", 1, null))))
        .containsExactlyInAnyOrder("a", 1, null);
    assertThat(new HashSet<>(draw(Domain.grid(List.of(true, false)))))
        .containsExactlyInAnyOrder(true, false);
  }

  private static void rejected(Domain d, String... parts) {
    assertThatThrownBy(() -> Space.builder().add("lr", d))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameter 'lr'")
        .hasMessageContainingAll(parts);
  }

  @Test
  void badDomainsAreRefusedNamingTheParameter() {
    rejected(Domain.uniform(1, 1), "lo must be below hi");
    rejected(Domain.randint(5, 2), "lo must be below hi");
    rejected(Domain.loguniform(0, 1), "lo must be positive");
    rejected(Domain.lograndint(0, 10), "lo must be positive");
    rejected(Domain.quniform(0, 1, 0), "q must be positive");
    rejected(Domain.qrandint(0, 10, -2), "q must be positive");
    rejected(Domain.quniform(0.1, 0.2, 1), "no multiple of q");
    rejected(Domain.choice(), "no values");
    rejected(Domain.grid(List.of()), "no values");
    rejected(Domain.normal(0, 0), "sd must be positive");
    rejected(Domain.qnormal(0, -1, 1), "sd must be positive");
    rejected(Domain.uniform(Double.NaN, 1), "finite");
    rejected(Domain.uniform(0, Double.POSITIVE_INFINITY), "finite");
    rejected(Domain.normal(Double.NaN, 1), "finite");
  }
}
