package dev.prism.examples;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.RuntimeContext;
import dev.prism.runtime.worker.CoreWorker;
import java.time.Duration;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The guided tour that the README's first command runs: an embedded local cluster (workers are
 * separate JVMs), the seed's programs on it, and what each step shows.
 */
public final class Tour {

  private Tour() {}

  static RuntimeContext where() {
    return Prism.runtimeContext();
  }

  static double meanOf(VectorSchemaRoot root) {
    Float8Vector v = (Float8Vector) root.getVector("x");
    double s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += v.get(i);
    }
    return s / root.getRowCount();
  }

  /**
   * Runs the tour.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    Duration wait = Duration.ofMinutes(2);
    long start = System.nanoTime();
    Prism.init();
    try {
      RuntimeContext driver = Prism.runtimeContext();
      RuntimeContext worker = Prism.get(Prism.task(Tour::where).remote(), wait);
      step("1. An embedded cluster in %.0f ms: this driver is worker %s; tasks run in separate"
          + " JVMs (this one: worker %s).", (System.nanoTime() - start) / 1e6, driver.workerId(),
          worker.workerId());

      long t = System.nanoTime();
      ObjectRef<long[]> a = Prism.task(Arrays::readArray, "a").remote();
      ObjectRef<long[]> b = Prism.task(Arrays::readArray, "b").remote();
      ObjectRef<long[]> sum = Prism.task(Arrays::add, a, b).remote();
      long total = Prism.get(Prism.task(Arrays::sum, sum).remote(), wait);
      step("2. read_array twice in parallel, add through refs (8 MB arrays never pass through"
          + " the driver: they stay in shared memory): sum = %d, %.0f ms.", total,
          (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      List<Integer> doubled = Prism.get(Prism.task(Graphs::doubleAll, 10_000).remote(), wait);
      step("3. double() over 10,000 futures, submitted and collected by a task: last = %d,"
          + " %.0f ms.",
          doubled.get(doubled.size() - 1), (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      long graph = Prism.get(Prism.task(Graphs::sumRange, 0L, 100_000L).remote(), wait);
      step("4. A task graph that unfolds while it runs (tasks splitting work into tasks that"
          + " wait for their halves; a waiting task lends its CPU, so new workers start):"
          + " sum of 0..99,999 = %d, %.0f ms.", graph, (System.nanoTime() - t) / 1e6);

      try (BufferAllocator allocator = new RootAllocator();
          Float8Vector x = new Float8Vector("x", allocator)) {
        int n = 1_000_000;
        x.allocateNew(n);
        for (int i = 0; i < n; i++) {
          x.set(i, i % 10);
        }
        x.setValueCount(n);
        ObjectRef<VectorSchemaRoot> table;
        try (VectorSchemaRoot root = VectorSchemaRoot.of(x)) {
          table = Prism.put(root);
        }
        double mean = Prism.get(Prism.task(Tour::meanOf, table).remote(), wait);
        try (VectorSchemaRoot back = Prism.get(table, wait)) {
          boolean shared = CoreWorker.current().isInSharedMemory(
              back.getVector("x").getDataBuffer().memoryAddress());
          step("5. Arrow data in the shared-memory object store: a worker computed mean = %.1f"
              + " over 1M rows; read back here zero-copy (buffer inside the shared mapping: %s).",
              mean, shared);
        }
      }
    } finally {
      Prism.shutdown();
    }
    step("Done: every worker process and the shared memory are gone.");
  }

  private static void step(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}
