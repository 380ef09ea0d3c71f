package dev.prism;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/**
 * Fault injection for tests: kill -9 of the processes this JVM started (worker JVMs of the embedded
 * cluster, node processes), and a chaos thread that does it at random intervals.
 */
final class Chaos {

  private Chaos() {}

  /** Kills the process with kill -9 and waits (bounded) until it is gone. */
  static void kill9(long pid) {
    ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
    kill9(p);
  }

  /** Kills the process with kill -9 and waits (bounded) until it is gone. */
  static void kill9(ProcessHandle p) {
    p.destroyForcibly();
    Awaitility.await("process " + p.pid() + " dies")
        .atMost(Duration.ofSeconds(60))
        .until(() -> !p.isAlive());
  }

  /** The worker JVMs this JVM started (embedded cluster) that are alive now. */
  static List<ProcessHandle> aliveWorkers() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(Chaos::isWorker)
        .toList();
  }

  /** Whether the process runs the worker main class (its full command line, from /proc). */
  static boolean isWorker(ProcessHandle p) {
    try {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
      return new String(cmdline, StandardCharsets.UTF_8)
          .contains(dev.prism.runtime.node.NodeConfig.DEFAULT_WORKER_MAIN_CLASS);
    } catch (java.io.IOException e) {
      return false; // gone, or no /proc: not one to kill
    }
  }

  /** Every process below {@code root} (its workers, for a node process) that is alive now. */
  static List<ProcessHandle> aliveBelow(ProcessHandle root) {
    return root.descendants().filter(ProcessHandle::isAlive).toList();
  }

  /**
   * A thread that kills, with kill -9, a process chosen by {@code victim} every {@code
   * minMillis}..{@code maxMillis}, at most {@code maxKills} times, until stopped. A victim of null
   * (none alive right now) is asked again a little later.
   */
  static final class Monkey implements AutoCloseable {
    private final Thread thread;
    private final AtomicInteger kills = new AtomicInteger();
    private volatile boolean stopped;

    Monkey(
        String name, int maxKills, long minMillis, long maxMillis, Supplier<ProcessHandle> victim) {
      thread =
          Thread.ofPlatform()
              .daemon()
              .name("chaos-" + name)
              .start(
                  () -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                      while (!stopped && kills.get() < maxKills) {
                        Thread.sleep(random.nextLong(minMillis, maxMillis + 1));
                        ProcessHandle p = victim.get();
                        while (p == null && !stopped) {
                          Thread.sleep(50);
                          p = victim.get();
                        }
                        if (p != null && !stopped && p.destroyForcibly()) {
                          kills.incrementAndGet();
                        }
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
    }

    /** How many processes it killed so far. */
    int kills() {
      return kills.get();
    }

    /** Whether it made all the kills it was allowed. */
    boolean done() {
      return !thread.isAlive();
    }

    /** Stops it and waits (bounded) for its thread. */
    @Override
    public void close() throws InterruptedException {
      stopped = true;
      thread.interrupt();
      thread.join(10_000);
    }
  }

  /** A random element of a non-empty list, or null for an empty one. */
  static <T> T any(List<T> list) {
    return list.isEmpty() ? null : list.get(ThreadLocalRandom.current().nextInt(list.size()));
  }
}
