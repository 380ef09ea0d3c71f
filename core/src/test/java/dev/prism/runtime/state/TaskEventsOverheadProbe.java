package dev.prism.runtime.state;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: a probe of what task events cost on the task path, run by hand with {@code
 * -Dprism.probe=true}. It times rounds of 2,000 small tasks (submitted, then all gotten) and 2,000
 * sequential calls on an embedded cluster, with task events off and on, alternating, and prints the
 * median round of each.
 */
@EnabledIfSystemProperty(named = "prism.probe", matches = "true")
class TaskEventsOverheadProbe {

  /**
   * A small task.
   *
   * @param x a number
   * @return the next one
   */
  public static int inc(int x) {
    return x + 1;
  }

  @Test
  void measure() {
    int rounds = Integer.getInteger("prism.probe.rounds", 3);
    List<Long> offBatch = new ArrayList<>();
    List<Long> onBatch = new ArrayList<>();
    List<Long> offSeq = new ArrayList<>();
    List<Long> onSeq = new ArrayList<>();
    List<Long> offCpu = new ArrayList<>();
    List<Long> onCpu = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (boolean on : new boolean[] {false, true}) {
        long[] t = run(on);
        (on ? onBatch : offBatch).add(t[0]);
        (on ? onSeq : offSeq).add(t[1]);
        (on ? onCpu : offCpu).add(t[2]);
      }
    }
    System.out.printf(
        "PROBE 2000 tasks submit+get: off %s ms, on %s ms (median of %d: %d vs %d)%n",
        offBatch, onBatch, rounds, median(offBatch), median(onBatch));
    System.out.printf(
        "PROBE 2000 tasks submit+get, CPU of all processes: off %s ms, on %s ms (median: %d vs"
            + " %d)%n",
        offCpu, onCpu, median(offCpu), median(onCpu));
    System.out.printf(
        "PROBE 2000 sequential calls: off %s ms, on %s ms (median of %d: %d vs %d)%n",
        offSeq, onSeq, rounds, median(offSeq), median(onSeq));
  }

  /** CPU time of this JVM (driver, GCS, node manager) and its worker processes. */
  private static long cpuNanos() {
    long total = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      total += p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }
    return total;
  }

  private static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  private static long[] run(boolean events) {
    System.setProperty("prism.taskEvents", Boolean.toString(events));
    Prism.init(
        PrismConfig.builder()
            .numCpus(2)
            .objectStoreMemory(128L << 20)
            .workerJvmOptions(
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dprism.taskEvents=" + events))
            .build());
    try {
      // warm up: workers started, code compiled
      for (int i = 0; i < 6; i++) {
        batch(2000);
      }
      for (int i = 0; i < 1000; i++) {
        Prism.task(TaskEventsOverheadProbe::inc, i).remote().get(Duration.ofSeconds(30));
      }
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      batch(2000);
      long batchMs = (System.nanoTime() - t0) / 1_000_000;
      long batchCpuMs = (cpuNanos() - cpu0) / 1_000_000;
      t0 = System.nanoTime();
      for (int i = 0; i < 2000; i++) {
        Prism.task(TaskEventsOverheadProbe::inc, i).remote().get(Duration.ofSeconds(30));
      }
      long seqMs = (System.nanoTime() - t0) / 1_000_000;
      return new long[] {batchMs, seqMs, batchCpuMs};
    } finally {
      Prism.shutdown();
      System.clearProperty("prism.taskEvents");
    }
  }

  private static void batch(int n) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Prism.task(TaskEventsOverheadProbe::inc, i).remote());
    }
    Prism.get(refs, Duration.ofSeconds(60));
  }
}
