package dev.prism.benchmarks.tune;

import dev.prism.tune.Mode;
import dev.prism.tune.search.Domain;
import dev.prism.tune.search.RandomSearch;
import dev.prism.tune.search.Searcher;
import dev.prism.tune.search.Space;
import dev.prism.tune.search.TpeSearch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Search quality of Prism's {@link TpeSearch} (defaults) and {@link RandomSearch}, run in this
 * process (no cluster: the searcher is what is measured), minimising Branin (2-D, minimum 0.397887)
 * and Hartmann6 (6-D, minimum -3.32237): for each seed, {@code --trials} trials (100) one after the
 * other, each completed before the next suggestion; the best value after 25, 50 and all trials,
 * median and interquartile range over {@code --seeds} seeds (10, seeds 0..9), as a Markdown table.
 * The peer is {@code benchmarks/peers/optuna/tpe_quality.py} (same functions, trials, seeds and
 * table). {@code benchmarks/run search [--trials N] [--seeds N]}.
 */
public final class SearchQuality {
  private static final double[][] HARTMANN_A = {
    {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
    {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}
  };
  private static final double[][] HARTMANN_P = {
    {1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
    {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}
  };
  private static final double[] HARTMANN_ALPHA = {1.0, 1.2, 3.0, 3.2};

  private SearchQuality() {}

  /** A test function: its space and value. */
  record Problem(
      String name, double optimum, Space space, ToDoubleFunction<Map<String, Object>> f) {}

  static double branin(double x1, double x2) {
    double a = 1;
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double r = 6;
    double s = 10;
    double t = 1 / (8 * Math.PI);
    double u = x2 - b * x1 * x1 + c * x1 - r;
    return a * u * u + s * (1 - t) * Math.cos(x1) + s;
  }

  static double hartmann6(double[] x) {
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      double inner = 0;
      for (int j = 0; j < 6; j++) {
        double d = x[j] - HARTMANN_P[i][j] * 1e-4;
        inner += HARTMANN_A[i][j] * d * d;
      }
      sum += HARTMANN_ALPHA[i] * Math.exp(-inner);
    }
    return -sum;
  }

  static List<Problem> problems() {
    Space branin =
        Space.builder().add("x1", Domain.uniform(-5, 10)).add("x2", Domain.uniform(0, 15)).build();
    Space.Builder h = Space.builder();
    for (int j = 0; j < 6; j++) {
      h.add("x" + j, Domain.uniform(0, 1));
    }
    return List.of(
        new Problem(
            "Branin", 0.397887, branin, c -> branin((Double) c.get("x1"), (Double) c.get("x2"))),
        new Problem(
            "Hartmann6",
            -3.32237,
            h.build(),
            c -> {
              double[] x = new double[6];
              for (int j = 0; j < 6; j++) {
                x[j] = (Double) c.get("x" + j);
              }
              return hartmann6(x);
            }));
  }

  /** The best value so far after each trial of one run. */
  static double[] run(Problem p, Searcher searcher, int trials, long seed) {
    searcher.setup(p.space(), "value", Mode.MIN, seed);
    double[] best = new double[trials];
    double b = Double.POSITIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      String id = "t" + i;
      Map<String, Object> config = searcher.suggest(id).orElseThrow();
      double v = p.f().applyAsDouble(config);
      searcher.onTrialComplete(id, Map.of("value", v), false);
      b = Math.min(b, v);
      best[i] = b;
    }
    return best;
  }

  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  static String cell(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format(
        Locale.ROOT, "%.4f (%.4f–%.4f)", quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75));
  }

  /**
   * Runs the comparison and prints the table.
   *
   * @param args {@code [--trials N] [--seeds N]}
   */
  public static void main(String[] args) {
    int trials = 100;
    int seeds = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--trials" -> trials = Integer.parseInt(args[++i]);
        case "--seeds" -> seeds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Map.Entry<String, Supplier<Searcher>>> searchers =
        List.of(
            Map.entry("Prism TPE", TpeSearch::new), Map.entry("Prism random", RandomSearch::new));
    int[] checkpoints = {25, 50, trials};
    System.out.printf(
        Locale.ROOT,
        "Best value found (minimising), median (IQR) over %d seeds (0..%d), %d trials%n%n",
        seeds,
        seeds - 1,
        trials);
    System.out.println(
        "| function | searcher | after 25 | after 50 | after " + trials + " | s / run |");
    System.out.println("| --- | --- | ---: | ---: | ---: | ---: |");
    for (Problem p : problems()) {
      for (Map.Entry<String, Supplier<Searcher>> s : searchers) {
        List<List<Double>> at = new ArrayList<>();
        for (int c = 0; c < checkpoints.length; c++) {
          at.add(new ArrayList<>());
        }
        long t0 = System.nanoTime();
        for (int seed = 0; seed < seeds; seed++) {
          double[] best = run(p, s.getValue().get(), trials, seed);
          for (int c = 0; c < checkpoints.length; c++) {
            at.get(c).add(best[Math.min(checkpoints[c], trials) - 1]);
          }
        }
        double perRun = (System.nanoTime() - t0) / 1e9 / seeds;
        System.out.printf(
            Locale.ROOT,
            "| %s (min %s) | %s | %s | %s | %s | %.3f |%n",
            p.name(),
            p.optimum(),
            s.getKey(),
            cell(at.get(0)),
            cell(at.get(1)),
            cell(at.get(2)),
            perRun);
      }
    }
    System.out.println();
    System.out.println("(" + Arrays.toString(checkpoints) + " trials; IQR = 25th–75th percentile)");
  }
}
