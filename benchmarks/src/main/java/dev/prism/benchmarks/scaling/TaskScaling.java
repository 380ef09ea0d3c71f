package dev.prism.benchmarks.scaling;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tasks/s and driver memory as the number of queued tasks grows: the driver submits N trivial tasks
 * (each returns two bytes, Ray's {@code small_value}) without waiting, then gets them all. The rate
 * counts both phases. Memory is read after the get, while the driver still holds the N refs and
 * their values: the heap in use after a full collection and the process's RSS.
 */
final class TaskScaling {

  private static final byte[] OK = {'o', 'k'};

  private TaskScaling() {}

  static byte[] small() {
    return OK;
  }

  static List<Map<String, Object>> run(List<Integer> counts, int warmupTasks) {
    Prism.init(PrismConfig.builder().objectStoreMemory(1L << 30).build());
    try {
      submitAndGet(warmupTasks);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int n : counts) {
        Measure.heapUsedAfterGcMib();
        long start = System.nanoTime();
        List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          refs.add(Prism.task(TaskScaling::small).remote());
        }
        long submitted = System.nanoTime();
        List<byte[]> values = Prism.get(refs);
        long done = System.nanoTime();
        double heap = Measure.heapUsedAfterGcMib();
        double rss = Measure.rssMib();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("tasks", n);
        double submitSeconds = (submitted - start) / 1e9;
        double totalSeconds = (done - start) / 1e9;
        double tasksPerSecond = n / totalSeconds;
        row.put("submit_seconds", submitSeconds);
        row.put("total_seconds", totalSeconds);
        row.put("tasks_per_second", tasksPerSecond);
        row.put("heap_used_after_gc_mib", heap);
        row.put("rss_mib", rss);
        rows.add(row);
        System.out.printf(
            "tasks %,d: %,.0f tasks/s (submit %.2f s, total %.2f s), heap after GC"
                + " %.1f MiB, RSS %.1f MiB (%d values held)%n",
            n, tasksPerSecond, submitSeconds, totalSeconds, heap, rss, values.size());
        refs = null;
        values = null;
      }
      return rows;
    } finally {
      Prism.shutdown();
    }
  }

  private static void submitAndGet(int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Prism.task(TaskScaling::small).remote());
    }
    Prism.get(refs);
  }
}
