package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.store.StoreStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten times the store's capacity in large objects, every ref held: the store spills primary copies
 * to disk and restores them on demand, so every object reads back intact (checked by CRC in the
 * driver and inside tasks), the driver's heap does not hold the objects, and no spill file is left
 * after shutdown.
 */
@Timeout(300)
class MemoryPressureTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final long CAPACITY = 32L << 20;
  private static final int MIB = 1 << 20;

  /** Deterministic content for one object: the same seed and size give the same bytes. */
  static byte[] make(int seed, int size) {
    byte[] data = new byte[size];
    long x = 0x9E3779B97F4A7C15L * (seed + 1);
    for (int i = 0; i < size; i += 8) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      for (int b = 0; b < 8 && i + b < size; b++) {
        data[i + b] = (byte) (x >>> (8 * b));
      }
    }
    return data;
  }

  static long crc(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }

  /** Sizes between 2 and 8 MiB, not all multiples of a page. */
  private static int sizeOf(int i) {
    return (2 + i % 7) * MIB - 24 * i;
  }

  @Test
  void tenTimesTheStoreCapacityIsSpilledAndReadBackIntact(@TempDir Path spillDir) throws Exception {
    EmbeddedCluster cluster =
        EmbeddedCluster.start(
            ClusterFixture.smallNode()
                .objectStoreCapacity(CAPACITY)
                .spillDirectory(spillDir)
                .build());
    try {
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        List<Long> crcs = new ArrayList<>();
        long put = 0;
        long total = 0;
        int i = 0;
        // Half from the driver with put...
        while (put < 5 * CAPACITY) {
          byte[] data = make(i, sizeOf(i));
          crcs.add(crc(data));
          refs.add(Prism.put(data));
          put += data.length;
          i++;
        }
        total += put;
        // ...and as much again returned by tasks (stored by the workers).
        long made = 0;
        List<ObjectRef<byte[]>> fromTasks = new ArrayList<>();
        while (made < 5 * CAPACITY) {
          int size = sizeOf(i);
          crcs.add(crc(make(i, size)));
          fromTasks.add(Prism.task(MemoryPressureTest::make, i, size).remote());
          made += size;
          i++;
        }
        refs.addAll(fromTasks);
        total += made;
        Prism.wait(fromTasks, fromTasks.size(), WAIT);
        assertThat(total).as("bytes put and made").isGreaterThanOrEqualTo(10 * CAPACITY);

        // The driver's heap does not keep what it put (it lives in the store or on disk).
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertThat(heap).as("driver heap after putting %d bytes", put).isLessThan(put / 2);

        StoreStats spilled = cluster.headNode().store().stats();
        assertThat(spilled.spills()).as("objects spilled (%s)", spilled).isPositive();
        assertThat(spilled.usedBytes()).isLessThanOrEqualTo(CAPACITY);

        // Every object reads back intact, in the driver...
        for (int k = 0; k < refs.size(); k++) {
          assertThat(crc(Prism.get(refs.get(k), WAIT)))
              .as("object %d read by the driver", k)
              .isEqualTo(crcs.get(k));
        }
        // ...and inside tasks on the workers, given the refs as arguments.
        List<ObjectRef<Long>> remote = new ArrayList<>();
        for (ObjectRef<byte[]> ref : refs) {
          remote.add(Prism.task(MemoryPressureTest::crc, ref).remote());
        }
        assertThat(Prism.get(remote, WAIT)).as("checksums computed by tasks").isEqualTo(crcs);

        StoreStats after = cluster.headNode().store().stats();
        assertThat(after.restores()).as("objects restored from disk (%s)", after).isPositive();
        assertThat(after.spills()).isGreaterThanOrEqualTo(spilled.spills());
        System.out.printf(
            "memory pressure: %d objects, %d MiB (store %d MiB), heap after puts" + " %d MiB; %s%n",
            refs.size(), total >> 20, CAPACITY >> 20, heap >> 20, after);
      } finally {
        Prism.shutdown();
      }
    } finally {
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
    assertThat(filesUnder(spillDir)).as("spill files left after shutdown").isEmpty();
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> !p.equals(dir)).toList();
    }
  }
}
