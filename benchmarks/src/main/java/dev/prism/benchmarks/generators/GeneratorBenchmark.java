package dev.prism.benchmarks.generators;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.ObjectRefGenerator;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Streaming generators: values per second through a generator from a task and from an actor, and
 * the time from the call to its first value, on a fresh embedded cluster of 2 CPUs. Ray's side is
 * {@code benchmarks/peers/ray/generators.py}: the same shapes and the same protocol (warm-up
 * rounds, then measured rounds; medians), so {@code benchmarks/peers/ray/compare_generators.sh}
 * prints both in one run.
 *
 * <p>Each round makes one call of a method that yields N values, and takes every value: {@code
 * next()} then {@code get} of its ref. Shapes: N small integers from a task, from an actor, and
 * from a task with a backpressure bound of 100 values; 100 values of 1 MiB (through the object
 * store).
 *
 * <p>usage: {@code benchmarks/run generators [--values N] [--rounds R] [--warmup W] [--backpressure
 * B]}
 */
public final class GeneratorBenchmark {

  private static final Duration WAIT = Duration.ofSeconds(120);

  private GeneratorBenchmark() {}

  /** Yields 0..n-1. */
  static Iterator<Integer> ints(int n) {
    return IntStream.range(0, n).iterator();
  }

  /** Yields n arrays of 1 MiB. */
  static Iterator<long[]> mebibytes(int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i -> {
              long[] v = new long[1 << 17];
              v[0] = i;
              return v;
            })
        .iterator();
  }

  /** An actor that streams integers. */
  public static final class Source {
    /** Makes the actor. */
    public Source() {}

    /**
     * Yields 0..n-1.
     *
     * @param n how many
     * @return the values
     */
    public Iterator<Integer> ints(int n) {
      return IntStream.range(0, n).iterator();
    }
  }

  /** One shape's rounds: values per second and milliseconds to the first value. */
  private record Round(double valuesPerSecond, double firstValueMillis) {}

  public static void main(String[] args) throws Exception {
    int values = 10_000;
    int rounds = 5;
    int warmup = 2;
    int bound = 100;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--values" -> values = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--backpressure" -> bound = Integer.parseInt(args[++i]);
        default -> {
          System.err.println(
              "usage: benchmarks/run generators [--values N] [--rounds R] [--warmup W]"
                  + " [--backpressure B]");
          System.exit(2);
        }
      }
    }
    Prism.init(PrismConfig.builder().numCpus(2).build());
    try {
      int n = values;
      int b = bound;
      ActorHandle<Source> source = Prism.actor(Source::new).remote();
      measure(
          "task generator, " + n + " ints",
          n,
          warmup,
          rounds,
          () -> Prism.task(GeneratorBenchmark::ints, n).remoteGenerator());
      measure(
          "actor generator, " + n + " ints",
          n,
          warmup,
          rounds,
          () -> source.task(Source::ints, n).remoteGenerator());
      measure(
          "task generator, " + n + " ints, backpressure " + b,
          n,
          warmup,
          rounds,
          () ->
              Prism.task(GeneratorBenchmark::ints, n)
                  .setGeneratorBackpressure(100)
                  .remoteGenerator());
      measure(
          "task generator, 100 x 1 MiB",
          100,
          warmup,
          rounds,
          () -> Prism.task(GeneratorBenchmark::mebibytes, 100).remoteGenerator());
    } finally {
      Prism.shutdown();
    }
  }

  private static <T> void measure(
      String shape, int expected, int warmup, int rounds, Supplier<ObjectRefGenerator<T>> call) {
    List<Round> measured = new ArrayList<>();
    for (int r = 0; r < warmup + rounds; r++) {
      long start = System.nanoTime();
      long first = 0;
      int taken = 0;
      try (ObjectRefGenerator<T> gen = call.get()) {
        while (gen.hasNext()) {
          ObjectRef<T> ref = gen.next();
          Prism.get(ref, WAIT);
          if (taken++ == 0) {
            first = System.nanoTime();
          }
        }
      }
      long end = System.nanoTime();
      if (taken != expected) {
        throw new IllegalStateException(shape + ": took " + taken + " values of " + expected);
      }
      if (r >= warmup) {
        measured.add(new Round(taken / ((end - start) / 1e9), (first - start) / 1e6));
      }
    }
    double[] rates = measured.stream().mapToDouble(Round::valuesPerSecond).sorted().toArray();
    double[] firsts = measured.stream().mapToDouble(Round::firstValueMillis).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "%s: values/s median %.0f (min %.0f, max %.0f); first value median %.2f ms%n",
        shape,
        median(rates),
        rates[0],
        rates[rates.length - 1],
        median(firsts));
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
