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
 * is back (embedded cluster, cold JVM for the first round), and how much resident memory an idle
 * worker process holds. The Ray peer measures the same with {@code
 * benchmarks/peers/ray/startup.py}.
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
          List<Long> rss =
              ProcessHandle.current()
                  .descendants()
                  .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                  .map(p -> rssKib(p.pid()))
                  .filter(k -> k > 0)
                  .toList();
          double mean = rss.stream().mapToLong(Long::longValue).average().orElse(0);
          System.out.printf(
              "idle worker resident memory MiB %.1f (%d workers: %s KiB)%n",
              mean / 1024, rss.size(), rss);
        }
      } finally {
        Prism.shutdown();
      }
    }
  }

  private static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
