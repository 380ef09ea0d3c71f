package dev.prism.benchmarks.micro;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Two costs a user feels first: how long {@code Prism.init()} takes until the first task's result
 * is back (embedded cluster, cold JVM for the first round), and how much memory an idle worker
 * process holds, resident (RSS) and proportional (PSS: shared pages divided among the processes
 * that map them). The Ray peer measures the same with {@code benchmarks/peers/ray/startup.py}.
 */
public final class Startup {

  private Startup() {}

  static int one() {
    return 1;
  }

  /**
   * Runs the measurement.
   *
   * @param args {@code [ROUNDS]} (default 3)
   * @throws Exception if a round fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    for (int round = 0; round < rounds; round++) {
      long start = System.nanoTime();
      Prism.init(PrismConfig.builder().build());
      try {
        Prism.get(Prism.task(Startup::one).remote(), Duration.ofSeconds(120));
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf(
            "init to first task result (round %d%s) ms %.1f%n",
            round + 1, round == 0 ? ", cold JVM" : "", ms);
        if (round == 0) {
          Thread.sleep(3_000);
          List<Long> workers =
              ProcessHandle.current()
                  .descendants()
                  .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                  .map(ProcessHandle::pid)
                  .toList();
          List<Long> rss = workers.stream().map(pid -> kib(pid, "Rss")).filter(k -> k > 0).toList();
          List<Long> pss = workers.stream().map(pid -> kib(pid, "Pss")).filter(k -> k > 0).toList();
          System.out.printf(
              "idle worker resident memory MiB %.1f (%d workers: %s KiB)%n",
              mean(rss) / 1024, rss.size(), rss);
          System.out.printf(
              "idle worker proportional memory MiB %.1f (%d workers: %s KiB)%n",
              mean(pss) / 1024, pss.size(), pss);
        }
      } finally {
        Prism.shutdown();
      }
    }
  }

  private static double mean(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).average().orElse(0);
  }

  /** A field of /proc/PID/smaps_rollup in KiB, or -1 when the process is gone. */
  private static long kib(long pid, String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps_rollup"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
