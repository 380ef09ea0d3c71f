package dev.prism.benchmarks.micro;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast actors are created until N of them are alive (each answered one call), and the memory
 * their processes hold (resident, and proportional: shared pages divided among the processes that
 * map them). The Ray peer is {@code benchmarks/peers/ray/actor_creation.py}; run both with {@code
 * benchmarks/peers/ray/compare_actors.sh [N]}.
 */
public final class ActorCreation {

  private ActorCreation() {}

  /** The actor: holds no resources, like Ray's {@code num_cpus=0} actor. */
  public static final class Pinger {
    public Pinger() {}

    public byte[] ping() {
      return new byte[] {'o', 'k'};
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }
  }

  /**
   * Runs the measurement.
   *
   * @param args {@code [N] [--threads]}: N actors (default 200); {@code --threads} also prints the
   *     CPU time of one actor process by thread (JIT compilers, GC, main, RPC), to see where a
   *     worker's start-up goes
   */
  public static void main(String[] args) {
    int n = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 200;
    boolean threads = List.of(args).contains("--threads");
    Duration wait = Duration.ofMinutes(10);
    Prism.init(PrismConfig.builder().build());
    try {
      Prism.get(Prism.actor(Pinger::new).remote().task(Pinger::ping).remote(), wait);
      long start = System.nanoTime();
      List<ActorHandle<Pinger>> actors = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        actors.add(Prism.actor(Pinger::new).remote());
      }
      List<ObjectRef<byte[]>> pings = new ArrayList<>(n);
      for (ActorHandle<Pinger> a : actors) {
        pings.add(a.task(Pinger::ping).remote());
      }
      Prism.get(pings, wait);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "actor creation (%d actors until alive) per second %.2f +- 0.0%n", n, n / seconds);
      List<ObjectRef<Long>> pids = new ArrayList<>(n);
      for (ActorHandle<Pinger> a : actors) {
        pids.add(a.task(Pinger::pid).remote());
      }
      double rss = 0;
      double pss = 0;
      double cpu = 0;
      List<Long> alive = Prism.get(pids, wait);
      for (long pid : alive) {
        rss += kib(pid, "Rss");
        pss += kib(pid, "Pss");
        cpu += cpuSeconds(Path.of("/proc", String.valueOf(pid), "stat"));
      }
      System.out.printf(
          "actor process CPU time from launch until alive and answering, seconds: %.2f per actor%n",
          cpu / n);
      if (threads && !alive.isEmpty()) {
        printThreads(alive.get(alive.size() - 1));
      }
      rss /= 1024;
      pss /= 1024;
      System.out.printf(
          "actor processes memory MiB: rss %.0f pss %.0f (per actor: rss %.1f pss" + " %.1f)%n",
          rss, pss, rss / n, pss / n);
    } finally {
      Prism.shutdown();
    }
  }

  /** CPU seconds (user + system) of a /proc stat file: fields 14 and 15, in clock ticks. */
  private static double cpuSeconds(Path stat) {
    try {
      String s = Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Prints the CPU time of a process's threads, grouped by name without digits. */
  private static void printThreads(long pid) {
    java.util.Map<String, Double> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path t : tasks.toList()) {
        String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
        byName.merge(name, cpuSeconds(t.resolve("stat")), Double::sum);
      }
    } catch (IOException e) {
      System.out.println("threads of " + pid + ": " + e);
      return;
    }
    System.out.println("CPU seconds by thread of actor process " + pid + ":");
    byName.entrySet().stream()
        .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .filter(e -> e.getValue() > 0)
        .forEach(e -> System.out.printf("  %-20s %.2f%n", e.getKey(), e.getValue()));
  }

  private static long kib(long pid, String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps_rollup"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }
}
