package dev.prism.benchmarks.micro;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.WaitResult;
import dev.prism.function.PrismFunc0;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Prism's side of {@code ray microbenchmark}: the same metrics, call shapes and multipliers as
 * Ray's ray_perf.py, timed with the same protocol ({@link Timeit}: by default Ray's own, a 10 s
 * pause and 1 s of warm-up per metric). Run it with {@code benchmarks/run micro [PATTERN] [--json
 * FILE] [--pause-seconds N] [--warmup-seconds N]}; PATTERN filters metrics by substring like Ray's
 * {@code TESTS_TO_RUN}. The actor metrics are in {@link ActorMetrics}; the placement-group one, run
 * last on a cluster with {@code custom=100} as Ray's, in {@link PlacementGroupMetrics}.
 *
 * <p>Ray's small-object metrics put into and get from its shared-memory store; Prism keeps a small
 * value in its owner's heap, so its rows of Ray's names measure that. The rows ending in {@code
 * (store)} are the like-for-like variants: the same shapes with a value that lives in Prism's
 * shared-memory store ({@link StoreValues}).
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

  /** {@link #putSmallHundredTimes} with a value that goes to the shared-memory store. */
  static int putStoreHundredTimes() {
    try (VectorSchemaRoot zero = StoreValues.zero()) {
      for (int i = 0; i < 100; i++) {
        Prism.put(zero);
      }
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
    long pauseSeconds = 10; // Ray's timeit: warmup_time_sec=10, a sleep before each metric
    long warmupSeconds = 1; // Ray's timeit: one second that also sizes the step
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
    if (t.selected("single client get calls (store)")) {
      try (VectorSchemaRoot zero = StoreValues.zero()) {
        ObjectRef<VectorSchemaRoot> stored = Prism.put(zero);
        t.run(
            "single client get calls (store)",
            () -> {
              try (VectorSchemaRoot read = Prism.get(stored)) {
                StoreValues.valueOf(read);
              }
            });
      }
    }
    t.run("single client put calls (Plasma Store)", () -> Prism.put(0));
    if (t.selected("single client put calls (store)")) {
      try (VectorSchemaRoot zero = StoreValues.zero()) {
        t.run("single client put calls (store)", () -> Prism.put(zero));
      }
    }
    t.run(
        "multi client put calls (Plasma Store)",
        () -> multiClientPut(Microbenchmark::putSmallHundredTimes),
        1000);
    t.run(
        "multi client put calls (store)",
        () -> multiClientPut(Microbenchmark::putStoreHundredTimes),
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

  /** Ten client tasks that put 100 values each, as Ray's {@code put_multi_small}. */
  private static void multiClientPut(PrismFunc0<Integer> putHundred) {
    List<ObjectRef<Integer>> clients = new ArrayList<>(10);
    for (int i = 0; i < 10; i++) {
      // Ray 2.58's do_put_small is a plain task (1 CPU), not a zero-CPU actor.
      clients.add(Prism.task(putHundred).remote());
    }
    Prism.get(clients);
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
