package dev.prism.benchmarks.micro;

import dev.prism.GetTimeoutException;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nested tasks: a recursive {@code fib} where each task submits {@code fib(n-1)} and {@code
 * fib(n-2)} and gets both ({@code fib(n < 2) = n}, no memoisation; {@code fib(10)} is 177 tasks,
 * {@code fib(15)} 1,973), the dynamic task graph a new user writes first. On a fresh embedded
 * cluster of 2 CPUs (a new driver JVM each run): the first {@code fib(10)} call right after {@code
 * Prism.init()}, then later calls of {@code fib(10)}, then {@code fib(15)} (a first call, then
 * later calls). Every call is timed from submission to its result, with a timeout; after a call
 * that times out (its row reads {@code timed out after S s}) the later rows are not run ({@code not
 * run (...)}): its tasks still occupy the cluster. The most worker processes alive at once is
 * sampled every second. The Ray peer is {@code benchmarks/peers/ray/nested.py}, same shapes, same
 * output lines.
 *
 * <p>{@code benchmarks/run nested [--rounds N] [--timeout-seconds S] [--no-fib15] [--cpus N] [--fib
 * N]}
 */
public final class Nested {

  private Nested() {}

  /**
   * The task: the {@code n}-th Fibonacci number, computed by two nested tasks for {@code n >= 2}.
   *
   * @param n the index
   * @return {@code fib(n)}
   */
  public static int fib(int n) {
    if (n < 2) {
      return n;
    }
    ObjectRef<Integer> a = Prism.task(Nested::fib, n - 1).remote();
    ObjectRef<Integer> b = Prism.task(Nested::fib, n - 2).remote();
    return Prism.get(a) + Prism.get(b);
  }

  /** Tasks one call of {@code fib(n)} runs: itself and the calls below it. */
  static long tasks(int n) {
    return n < 2 ? 1 : 1 + tasks(n - 1) + tasks(n - 2);
  }

  static int expected(int n) {
    int a = 0;
    int b = 1;
    for (int i = 0; i < n; i++) {
      int next = a + b;
      a = b;
      b = next;
    }
    return a;
  }

  /** A call that did not finish within the timeout. */
  static final class TimedOut extends Exception {
    TimedOut(String message) {
      super(message);
    }
  }

  /** One row: {@code calls} calls of {@code fib(n)}, reported as their mean and std. */
  private record Step(String metric, int n, int calls) {}

  /**
   * Runs the measurement.
   *
   * @param args {@code [--rounds N] [--timeout-seconds S] [--no-fib15] [--cpus N] [--fib N]}: later
   *     calls timed per size (default 3), the timeout of each call (default 600), whether to skip
   *     {@code fib(15)}, the cluster's CPUs (default 2), the smaller size (default 10; a smaller
   *     one checks that the harness runs)
   */
  public static void main(String[] args) {
    int rounds = 3;
    long timeoutSeconds = 600;
    boolean fib15 = true;
    int cpus = 2;
    int small = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--timeout-seconds" -> timeoutSeconds = Long.parseLong(args[++i]);
        case "--no-fib15" -> fib15 = false;
        case "--cpus" -> cpus = Integer.parseInt(args[++i]);
        case "--fib" -> small = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (rounds < 1 || timeoutSeconds < 1 || cpus < 1 || small < 1 || small > 30) {
      throw new IllegalArgumentException(
          "--rounds, --timeout-seconds and --cpus must be >= 1, --fib within 1..30");
    }
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    AtomicLong mostWorkers = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(
        () -> mostWorkers.accumulateAndGet(workerProcesses(), Math::max), 0, 1, TimeUnit.SECONDS);
    List<Step> steps = new ArrayList<>();
    steps.add(new Step("nested tasks fib(" + small + "), first call after init", small, 1));
    steps.add(new Step("nested tasks fib(" + small + "), later calls", small, rounds));
    if (fib15) {
      steps.add(new Step("nested tasks fib(15), first call", 15, 1));
      steps.add(new Step("nested tasks fib(15), later calls", 15, rounds));
    }
    Prism.init(PrismConfig.builder().numCpus(cpus).build());
    try {
      System.out.printf(
          "nested tasks: %d CPUs, fib(%d) = %d tasks, fib(15) = %d tasks%n",
          cpus, small, tasks(small), tasks(15));
      boolean timedOut = false;
      for (Step step : steps) {
        if (timedOut) {
          // The timed-out call's tasks still occupy the cluster: what follows would not measure.
          System.out.println(step.metric() + " not run (an earlier call timed out)");
          continue;
        }
        try {
          report(step.metric(), calls(step.n(), step.calls(), timeout));
        } catch (TimedOut e) {
          System.out.println(step.metric() + " " + e.getMessage());
          timedOut = true;
        }
      }
    } finally {
      sampler.shutdownNow();
      mostWorkers.accumulateAndGet(workerProcesses(), Math::max);
      System.out.printf(
          "nested tasks, most worker processes at once count %d%n", mostWorkers.get());
      Prism.shutdown();
    }
  }

  private static double[] calls(int n, int rounds, Duration timeout) throws TimedOut {
    double[] seconds = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      seconds[r] = call(n, timeout);
    }
    return seconds;
  }

  /** One call of {@code fib(n)} from the driver: seconds from submission to its checked result. */
  private static double call(int n, Duration timeout) throws TimedOut {
    long start = System.nanoTime();
    ObjectRef<Integer> ref = Prism.task(Nested::fib, n).remote();
    int result;
    try {
      result = Prism.get(ref, timeout);
    } catch (GetTimeoutException e) {
      Prism.cancel(ref, true);
      throw new TimedOut("timed out after " + timeout.toSeconds() + " s");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (result != expected(n)) {
      throw new IllegalStateException("fib(" + n + ") returned " + result);
    }
    System.out.printf(Locale.ROOT, "  fib(%d) took %.3f s%n", n, seconds);
    return seconds;
  }

  /** Prints {@code <metric> seconds <mean> +- <std>} (population std, as the micro metrics). */
  private static void report(String metric, double[] seconds) {
    double mean = Arrays.stream(seconds).average().orElse(0);
    double var = Arrays.stream(seconds).map(s -> (s - mean) * (s - mean)).sum() / seconds.length;
    System.out.printf(Locale.ROOT, "%s seconds %.3f +- %.3f%n", metric, mean, Math.sqrt(var));
  }

  /** Worker JVMs alive now: the driver's descendant processes that run {@code java}. */
  private static long workerProcesses() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
        .count();
  }
}
