package dev.prism.benchmarks.micro;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.WaitResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prism's side of {@code ray microbenchmark}: the same metrics, call shapes and multipliers as
 * Ray's ray_perf.py, timed with the same protocol ({@link Timeit}). Run it with {@code
 * benchmarks/run micro [PATTERN] [--json FILE] [--pause-seconds N] [--warmup-seconds N]}; PATTERN
 * filters metrics by substring like Ray's {@code TESTS_TO_RUN}. The actor metrics are in {@link
 * ActorMetrics}; the placement-group one, run last on a cluster with {@code custom=100} as Ray's,
 * in {@link PlacementGroupMetrics}.
 */
public final class Microbenchmark {

  private Microbenchmark() {}

  static byte[] smallValue() {
    return OK;
  }

  private static final byte[] OK = {'o', 'k'};

  static int smallValueBatch(int n) {
    List<ObjectRef<byte[]>> submitted = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      submitted.add(Prism.task(Microbenchmark::smallValue).remote());
    }
    Prism.get(submitted);
    return 0;
  }

  static int putSmallHundredTimes() {
    for (int i = 0; i < 100; i++) {
      Prism.put(0);
    }
    return 0;
  }

  static List<ObjectRef<Integer>> createObjectContainingRef() {
    List<ObjectRef<Integer>> refs = new ArrayList<>(10_000);
    for (int i = 0; i < 10_000; i++) {
      refs.add(Prism.put(1));
    }
    return refs;
  }

  static int putGigabytes() {
    for (int i = 0; i < 10; i++) {
      Prism.put(new long[10 * 1024 * 1024]);
    }
    return 0;
  }

  /**
   * Runs the benchmark.
   *
   * @param args {@code [PATTERN] [--json FILE] [--pause-seconds N] [--warmup-seconds N]}
   * @throws Exception if a metric fails
   */
  public static void main(String[] args) throws Exception {
    String filter = System.getenv().getOrDefault("TESTS_TO_RUN", "");
    Path json = null;
    long pauseSeconds = 2;
    long warmupSeconds = 5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = Path.of(args[++i]);
        case "--pause-seconds" -> pauseSeconds = Long.parseLong(args[++i]);
        case "--warmup-seconds" -> warmupSeconds = Math.max(1, Long.parseLong(args[++i]));
        default -> filter = args[i];
      }
    }
    Timeit t = new Timeit(filter, pauseSeconds * 1000, warmupSeconds * 1000);
    Prism.init(PrismConfig.builder().objectStoreMemory(4L << 30).build());
    try {
      run(t);
      ActorMetrics.run(t); // in the same cluster, as Ray's ray_perf does
      PlacementGroupMetrics.run(t, PrismConfig.builder().objectStoreMemory(4L << 30));
    } finally {
      Prism.shutdown();
    }
    if (json != null) {
      writeJson(json, t.results());
    }
  }

  private static void run(Timeit t) throws Exception {
    ObjectRef<Integer> value = Prism.put(0);
    t.run("single client get calls (Plasma Store)", () -> Prism.get(value));
    t.run("single client put calls (Plasma Store)", () -> Prism.put(0));
    t.run(
        "multi client put calls (Plasma Store)",
        () -> {
          List<ObjectRef<Integer>> clients = new ArrayList<>(10);
          for (int i = 0; i < 10; i++) {
            // Ray 2.58's do_put_small is a plain task (1 CPU), not a zero-CPU actor.
            clients.add(Prism.task(Microbenchmark::putSmallHundredTimes).remote());
          }
          Prism.get(clients);
        },
        1000);
    if (t.selected("single client put gigabytes")) {
      long[] arr = new long[100 * 1024 * 1024];
      t.run("single client put gigabytes", () -> Prism.put(arr), 8 * 0.1);
    }
    t.run("single client tasks and get batch", () -> smallValueBatch(1000));
    t.run(
        "multi client put gigabytes",
        () -> {
          List<ObjectRef<Integer>> clients = new ArrayList<>(10);
          for (int i = 0; i < 10; i++) {
            clients.add(Prism.task(Microbenchmark::putGigabytes).remote());
          }
          Prism.get(clients);
        },
        10 * 8 * 0.1);
    if (t.selected("single client get object containing 10k refs")) {
      ObjectRef<List<ObjectRef<Integer>>> containing =
          Prism.task(Microbenchmark::createObjectContainingRef).remote();
      t.run("single client get object containing 10k refs", () -> Prism.get(containing));
    }
    t.run(
        "single client wait 1k refs",
        () -> {
          List<ObjectRef<byte[]>> notReady = new ArrayList<>(1000);
          for (int i = 0; i < 1000; i++) {
            notReady.add(Prism.task(Microbenchmark::smallValue).remote());
          }
          for (int i = 0; i < 1000; i++) {
            WaitResult<byte[]> w = Prism.wait(notReady, 1, Duration.ofHours(1));
            notReady = w.unready();
          }
        });
    t.run(
        "single client tasks sync",
        () -> Prism.get(Prism.task(Microbenchmark::smallValue).remote()));
    t.run(
        "single client tasks async",
        () -> {
          List<ObjectRef<byte[]>> refs = new ArrayList<>(1000);
          for (int i = 0; i < 1000; i++) {
            refs.add(Prism.task(Microbenchmark::smallValue).remote());
          }
          Prism.get(refs);
        },
        1000);
  }

  private static void writeJson(Path path, List<Timeit.Result> results) throws IOException {
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < results.size(); i++) {
      Timeit.Result r = results.get(i);
      sb.append(
          String.format(
              Locale.ROOT,
              "  {\"name\": \"%s\", \"mean\": %.2f, \"std\": %.2f}%s%n",
              r.name(),
              r.mean(),
              r.std(),
              i + 1 < results.size() ? "," : ""));
    }
    sb.append("]\n");
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(path, sb.toString());
  }
}
