package dev.prism.benchmarks.scaling;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.runtime.worker.CoreWorker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Put and get latency and bandwidth from the driver as the object size grows, for two kinds of
 * value: a {@code byte[]} (serialized up to 100 KiB and kept in the driver's memory, copied into
 * and out of the shared-memory store above) and Arrow data (a {@link VectorSchemaRoot} of one
 * {@code float64} column, written to the store as Arrow IPC and read back zero-copy). Each put and
 * each get is timed alone; the median of the repetitions is reported, and the bandwidth is the size
 * over that median.
 *
 * <p>The store's shared memory is touched once before measuring (first-touch page faults of {@code
 * /dev/shm} cost ~20× a warm copy and would otherwise be measured instead of Prism), and between
 * repetitions the driver's dropped refs are collected whenever the store is half full, so that
 * later objects reuse warm pages as they would in a long-running program.
 */
final class ObjectScaling {

  private ObjectScaling() {}

  /** The kinds of value measured, as named in the JSON. */
  static final String BYTES = "bytes";

  static final String ARROW = "arrow";

  static List<Map<String, Object>> run(List<Long> sizes, long bytesPerSize, int maxReps) {
    long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
    // Room for a few of the largest objects (freed ones wait for the driver's GC).
    long capacity = Math.max(1L << 30, 3 * largest + (256L << 20));
    Prism.init(PrismConfig.builder().objectStoreMemory(capacity).build());
    try (BufferAllocator allocator = new RootAllocator()) {
      prefault(capacity);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (String kind : List.of(BYTES, ARROW)) {
        for (long size : sizes) {
          int reps = (int) Math.max(3, Math.min(maxReps, bytesPerSize / size));
          rows.add(measure(kind, size, reps, allocator, capacity));
        }
      }
      return rows;
    } finally {
      Prism.shutdown();
    }
  }

  /** Puts 64 MiB objects until the store is 90 % full, then lets them go. */
  private static void prefault(long capacity) {
    byte[] chunk = new byte[64 << 20];
    List<ObjectRef<byte[]>> held = new ArrayList<>();
    for (long filled = 0; filled + chunk.length < capacity * 9 / 10; filled += chunk.length) {
      held.add(Prism.put(chunk));
    }
    held.clear();
    reclaim(capacity / 4);
  }

  /** Collects dropped refs until the store holds at most {@code bytes} (10 s at most). */
  private static void reclaim(long bytes) {
    CoreWorker worker = CoreWorker.current();
    long deadline = System.nanoTime() + 10_000_000_000L;
    do {
      Measure.heapUsedAfterGcMib();
      if (worker.storeBytesInUse() <= bytes) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    } while (System.nanoTime() < deadline);
  }

  private static Map<String, Object> measure(
      String kind, long size, int reps, BufferAllocator allocator, long storeCapacity) {
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("object size " + size + " is above what a byte[] holds");
    }
    long[] put = new long[reps];
    long[] get = new long[reps];
    long halfStore = storeCapacity / 2;
    if (kind.equals(BYTES)) {
      byte[] value = new byte[(int) size];
      java.util.Arrays.fill(value, (byte) 7);
      // Warm-up: several gets, so that the driver's heap has grown to hold copies of this
      // size (committing and first touching new heap regions is not what is measured).
      for (int w = 0; w < 3; w++) {
        once(value, null, null, 0);
      }
      for (int r = 0; r < reps; r++) {
        once(value, put, get, r);
        if (CoreWorker.current().storeBytesInUse() + size > halfStore) {
          reclaim(halfStore / 2);
        }
      }
    } else {
      int rows = (int) Math.max(1, size / Float8Vector.TYPE_WIDTH);
      try (Float8Vector x = new Float8Vector("x", allocator)) {
        x.allocateNew(rows);
        for (int i = 0; i < rows; i++) {
          x.set(i, i);
        }
        x.setValueCount(rows);
        try (VectorSchemaRoot root = VectorSchemaRoot.of(x)) {
          onceArrow(root, null, null, 0); // warm-up
          for (int r = 0; r < reps; r++) {
            onceArrow(root, put, get, r);
            if (CoreWorker.current().storeBytesInUse() + size > halfStore) {
              reclaim(halfStore / 2);
            }
          }
        }
      }
    }
    double putNs = Measure.median(put);
    double getNs = Measure.median(get);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("kind", kind);
    row.put("size_bytes", size);
    row.put("repetitions", reps);
    row.put("put_latency_us", putNs / 1e3);
    row.put("get_latency_us", getNs / 1e3);
    double putGibPerSecond = size / (putNs / 1e9) / (1L << 30);
    double getGibPerSecond = size / (getNs / 1e9) / (1L << 30);
    row.put("put_gib_per_second", putGibPerSecond);
    row.put("get_gib_per_second", getGibPerSecond);
    System.out.printf(
        "objects %-5s %10s: put %10.1f us (%7.2f GiB/s), get %10.1f us (%8.2f GiB/s),"
            + " %d reps%n",
        kind,
        ScalingCharts.bytes(size),
        putNs / 1e3,
        putGibPerSecond,
        getNs / 1e3,
        getGibPerSecond,
        reps);
    return row;
  }

  private static void once(byte[] value, long[] put, long[] get, int r) {
    long t0 = System.nanoTime();
    ObjectRef<byte[]> ref = Prism.put(value);
    long t1 = System.nanoTime();
    byte[] back = Prism.get(ref);
    long t2 = System.nanoTime();
    if (back.length != value.length) {
      throw new IllegalStateException("got " + back.length + " bytes back, put " + value.length);
    }
    if (put != null) {
      put[r] = t1 - t0;
      get[r] = t2 - t1;
    }
  }

  private static void onceArrow(VectorSchemaRoot root, long[] put, long[] get, int r) {
    long t0 = System.nanoTime();
    ObjectRef<VectorSchemaRoot> ref = Prism.put(root);
    long t1 = System.nanoTime();
    long t2;
    try (VectorSchemaRoot back = Prism.get(ref)) {
      t2 = System.nanoTime();
      if (back.getRowCount() != root.getRowCount()) {
        throw new IllegalStateException(
            "got " + back.getRowCount() + " rows back, put " + root.getRowCount());
      }
    }
    if (put != null) {
      put[r] = t1 - t0;
      get[r] = t2 - t1;
    }
  }
}
