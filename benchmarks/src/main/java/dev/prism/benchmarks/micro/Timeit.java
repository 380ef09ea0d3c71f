package dev.prism.benchmarks.micro;

import java.util.ArrayList;
import java.util.List;

/**
 * The timing protocol of Ray's {@code ray microbenchmark} ({@code timeit} in Ray 2.58's
 * ray/_private/ray_microbenchmark_helpers.py): a pause against noisy neighbours (Ray's is 10 s),
 * one second of warm-up that also sizes a step (a tenth of the calls made in that second, plus
 * one), then four rounds of at least two seconds each, calling the body a whole step between clock
 * reads; the rate of each round times the multiplier, reported as mean and population standard
 * deviation. With the defaults of {@link Microbenchmark} (10 s pause, 1 s warm-up) this is exactly
 * Ray's protocol. A longer warm-up (for a JVM whose JIT compilers are still busy after one second)
 * runs the body for the extra seconds before Ray's one-second sizing warm-up; results measured so
 * must be labelled as such.
 */
final class Timeit {

  /** One measured metric. */
  record Result(String name, double mean, double std) {}

  /** The code measured; may throw. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  private final String filter;
  private final long pauseMillis;
  private final long warmupNanos;
  private final List<Result> results = new ArrayList<>();

  Timeit(String filter, long pauseMillis, long warmupMillis) {
    this.filter = filter == null ? "" : filter;
    this.pauseMillis = pauseMillis;
    this.warmupNanos = warmupMillis * 1_000_000L;
  }

  boolean selected(String name) {
    return filter.isEmpty() || name.contains(filter);
  }

  void run(String name, Body body) throws Exception {
    run(name, body, 1);
  }

  void run(String name, Body body, double multiplier) throws Exception {
    if (!selected(name)) {
      return;
    }
    if (pauseMillis > 0) {
      Thread.sleep(pauseMillis);
    }
    long start = System.nanoTime();
    while (System.nanoTime() - start < warmupNanos - 1_000_000_000L) {
      body.run();
    }
    // As Ray: the last second of warm-up sizes the step between clock reads.
    start = System.nanoTime();
    long count = 0;
    while (System.nanoTime() - start < 1_000_000_000L) {
      body.run();
      count++;
    }
    long step = count / 10 + 1;
    double[] stats = new double[4];
    for (int round = 0; round < 4; round++) {
      start = System.nanoTime();
      count = 0;
      while (System.nanoTime() - start < 2_000_000_000L) {
        for (long i = 0; i < step; i++) {
          body.run();
        }
        count += step;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      stats[round] = multiplier * count / seconds;
    }
    double mean = 0;
    for (double s : stats) {
      mean += s;
    }
    mean /= stats.length;
    double var = 0;
    for (double s : stats) {
      var += (s - mean) * (s - mean);
    }
    double std = Math.sqrt(var / stats.length);
    System.out.printf("%s per second %.2f +- %.2f%n", name, mean, std);
    results.add(new Result(name, mean, std));
  }

  List<Result> results() {
    return results;
  }
}
