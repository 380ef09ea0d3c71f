package dev.prism.benchmarks.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.RunConfig;
import dev.prism.tune.Mode;
import dev.prism.tune.ResultGrid;
import dev.prism.tune.TrialResult;
import dev.prism.tune.TrialStatus;
import dev.prism.tune.TuneConfig;
import dev.prism.tune.TuneContext;
import dev.prism.tune.Tuner;
import dev.prism.tune.search.Domain;
import dev.prism.tune.search.Space;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * ml-tune's overhead, in the shapes of {@code benchmarks/peers/ray/tune_overhead.py} (Ray Tune
 * 2.58):
 *
 * <ul>
 *   <li>Shape A: {@code --trials} trials (1,000) that each report {@code {"score": x}} once and
 *       return, FIFO, at most {@code --concurrent} (16) at once: trials/s over the whole {@code
 *       fit()}.
 *   <li>Shape B: {@code --concurrent} trials (16) that each report {@code {"score": i}} as fast as
 *       they can for {@code --report-seconds} s (10) and return: results/s (every result the driver
 *       received) over the whole {@code fit()}; once with FIFO and nothing else, where a trial may
 *       run ahead of the driver by 256 reports ({@code maxPendingResults}), and once with a stop
 *       criterion that never triggers ({@code training_iteration >= 1e12}), where every report
 *       waits for the driver's decision, as every {@code tune.report} does in Ray.
 * </ul>
 *
 * <p>An embedded cluster of {@code --cpus} (16) logical CPUs (so 16 one-CPU trials fit, as {@code
 * ray.init(num_cpus=16)}), workers with a 192 MiB heap; every trial takes 1 CPU. Runners are actors
 * of one sweep, so their start-up is inside the timing, as Ray's trial actors' is. Storage under a
 * temporary directory, deleted afterwards; no progress table. Protocol: a warm-up (shape A with
 * {@code --warmup-trials} (64) trials, each shape B variant for 2 s), then {@code --rounds} (3)
 * rounds of every shape; median (min–max) of the rounds, as a Markdown table; {@code --json FILE}
 * also writes them as JSON. {@code benchmarks/run tune [--trials N] [--concurrent N]
 * [--report-seconds S] [--rounds N] [--warmup-trials N] [--cpus N] [--json FILE]}.
 */
public final class TuneOverhead {
  static final List<String> WORKER_JVM =
      List.of(
          "-Xmx192m",
          "-XX:MaxNewSize=32m",
          "-XX:+UseSerialGC",
          "-Xss512k",
          "-XX:ReservedCodeCacheSize=64m",
          "-XX:MaxMetaspaceSize=128m");

  private TuneOverhead() {}

  /** One measured sweep. */
  record Run(
      double seconds, int trials, long results, int errors, long fewestResults, long mostResults) {}

  /** Reports once and returns. */
  static void once(Map<String, Object> config, TuneContext ctx) {
    ctx.report(Map.of("score", config.get("x")));
  }

  /** Reports as fast as it can for {@code config.seconds} seconds, then returns. */
  static void fast(Map<String, Object> config, TuneContext ctx) {
    long end = System.nanoTime() + (long) (((Number) config.get("seconds")).doubleValue() * 1e9);
    long i = 0;
    while (System.nanoTime() < end) {
      ctx.report(Map.of("score", i++));
    }
  }

  private static int counter;

  static Run sweep(
      Path storage,
      String prefix,
      boolean fast,
      int samples,
      int concurrent,
      double seconds,
      boolean decide) {
    Space space =
        fast
            ? Space.builder().constant("seconds", seconds).build()
            : Space.builder().add("x", Domain.uniform(0, 1)).build();
    Tuner.Builder b =
        Tuner.builder(fast ? TuneOverhead::fast : TuneOverhead::once)
            .space(space)
            .tuneConfig(
                TuneConfig.builder("score", Mode.MAX)
                    .numSamples(samples)
                    .maxConcurrentTrials(concurrent)
                    .build())
            .runConfig(RunConfig.builder(prefix + "-" + ++counter).storagePath(storage).build())
            .resourcesPerTrial(Map.of("CPU", 1.0))
            .progress(false);
    if (decide) {
      b.stop("training_iteration", 1e12);
    }
    Tuner tuner = b.build();
    long t0 = System.nanoTime();
    ResultGrid grid = tuner.fit();
    double s = (System.nanoTime() - t0) / 1e9;
    long results = 0;
    int errors = 0;
    long fewest = Long.MAX_VALUE;
    long most = 0;
    for (TrialResult r : grid.results()) {
      results += r.history().size();
      fewest = Math.min(fewest, r.history().size());
      most = Math.max(most, r.history().size());
      if (r.status() == TrialStatus.ERROR) {
        errors++;
      }
    }
    return new Run(s, grid.size(), results, errors, fewest, most);
  }

  public static void main(String[] args) throws IOException {
    int trials = 1000;
    int concurrent = 16;
    double reportSeconds = 10;
    int rounds = 3;
    int warmupTrials = 64;
    int cpus = 16;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--trials" -> trials = Integer.parseInt(args[++i]);
        case "--concurrent" -> concurrent = Integer.parseInt(args[++i]);
        case "--report-seconds" -> reportSeconds = Double.parseDouble(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup-trials" -> warmupTrials = Integer.parseInt(args[++i]);
        case "--cpus" -> cpus = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    final int n = trials;
    final int c = concurrent;
    final double rs = reportSeconds;
    Path storage = Files.createTempDirectory("prism-tune-overhead-");
    record Shape(String key, String unit, String label, java.util.function.Supplier<Run> run) {}
    List<Shape> shapes =
        List.of(
            new Shape(
                "A",
                "trials/s",
                String.format(Locale.ROOT, "A: %,d trials, 1 report each, FIFO, %d at once", n, c),
                () -> sweep(storage, "a", false, n, c, 0, false)),
            new Shape(
                "B-fifo",
                "results/s",
                String.format(
                    Locale.ROOT,
                    "B: %d trials reporting for %s s, FIFO (Prism: up to 256 reports ahead of the"
                        + " driver)",
                    c,
                    fmt(rs)),
                () -> sweep(storage, "b", true, c, c, rs, false)),
            new Shape(
                "B-decide",
                "results/s",
                String.format(
                    Locale.ROOT,
                    "B: %d trials reporting for %s s, stop criterion that never triggers (every"
                        + " report waits for the driver, as in Ray)",
                    c,
                    fmt(rs)),
                () -> sweep(storage, "b", true, c, c, rs, true)));
    Map<String, List<Run>> measured = new LinkedHashMap<>();
    Prism.init(PrismConfig.builder().numCpus(cpus).workerJvmOptions(WORKER_JVM).build());
    try {
      long w0 = System.nanoTime();
      sweep(storage, "a", false, warmupTrials, c, 0, false);
      sweep(storage, "b", true, c, c, 2.0, false);
      sweep(storage, "b", true, c, c, 2.0, true);
      System.err.printf(Locale.ROOT, "warm-up: %.1f s%n", (System.nanoTime() - w0) / 1e9);
      for (int round = 1; round <= rounds; round++) {
        for (Shape sh : shapes) {
          Run r = sh.run().get();
          measured.computeIfAbsent(sh.key(), k -> new ArrayList<>()).add(r);
          System.err.printf(
              Locale.ROOT,
              "round %d %s: %.2f s, %d trials, %d results (%d to %d a trial), %d errors, %,.1f %s%n",
              round,
              sh.key(),
              r.seconds(),
              r.trials(),
              r.results(),
              r.fewestResults(),
              r.mostResults(),
              r.errors(),
              rate(sh.key(), r),
              sh.unit());
        }
      }
    } finally {
      Prism.shutdown();
      deleteTree(storage);
    }
    System.out.printf(
        Locale.ROOT,
        "Prism ml-tune: embedded cluster of %d CPUs, workers -Xmx192m, 1 CPU per trial, runners"
            + " reused within a sweep; warm-up, then %d rounds, median (min-max)%n%n",
        cpus,
        rounds);
    System.out.println("| shape | trials | results | fit s | rate | unit |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | --- |");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("side", "prism");
    Map<String, Object> rows = new LinkedHashMap<>();
    for (Shape sh : shapes) {
      List<Run> runs = new ArrayList<>(measured.get(sh.key()));
      runs.sort(Comparator.comparingDouble(r -> rate(sh.key(), r)));
      Run mid = runs.get(runs.size() / 2);
      double med =
          runs.size() % 2 == 1
              ? rate(sh.key(), mid)
              : (rate(sh.key(), runs.get(runs.size() / 2 - 1)) + rate(sh.key(), mid)) / 2;
      double min = rate(sh.key(), runs.getFirst());
      double max = rate(sh.key(), runs.getLast());
      System.out.printf(
          Locale.ROOT,
          "| %s | %,d | %,d | %.2f | %,.1f (%,.1f–%,.1f) | %s |%n",
          sh.label(),
          mid.trials(),
          mid.results(),
          mid.seconds(),
          med,
          min,
          max,
          sh.unit());
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("label", sh.label());
      row.put("unit", sh.unit());
      row.put("median", med);
      row.put("min", min);
      row.put("max", max);
      List<Map<String, Object>> rr = new ArrayList<>();
      for (Run r : measured.get(sh.key())) {
        rr.add(
            Map.of(
                "seconds", r.seconds(),
                "trials", r.trials(),
                "results", r.results(),
                "errors", r.errors(),
                "rate", rate(sh.key(), r)));
      }
      row.put("rounds", rr);
      rows.put(sh.key(), row);
    }
    out.put("rows", rows);
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
    }
  }

  private static double rate(String key, Run r) {
    return (key.equals("A") ? r.trials() : r.results()) / r.seconds();
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
