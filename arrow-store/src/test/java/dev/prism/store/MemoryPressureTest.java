package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 64 MiB store receives 1 GiB of objects; nothing sealed is lost. */
class MemoryPressureTest {

  @TempDir Path tmp;

  @Test
  void oneGibIntoSixtyFourMibEvictsSecondariesSpillsAndRestoresPrimaries() throws IOException {
    int objects = 320; // 320 x ~3.2 MiB = 1 GiB
    List<ObjectId> primaries = new ArrayList<>();
    List<Long> sums = new ArrayList<>();
    Path spillRoot = tmp.resolve("spill");
    try (StoreServer server = StoreTestSupport.server(tmp, 64L << 20);
        StoreClient client = server.connect()) {
      long secondaries = 0;
      for (int i = 0; i < objects; i++) {
        int size = (1 << 20) + (i * 104_729) % (4 << 20); // 1..5 MiB
        byte[] data = StoreTestSupport.pattern(i, size);
        ObjectId id = ObjectId.random();
        if (i % 5 == 4) { // every fifth object is a secondary copy
          try (ObjectWriter w =
              client.create(id, size, CopyKind.SECONDARY, Duration.ofSeconds(5))) {
            MemorySegment.copy(MemorySegment.ofArray(data), 0, w.segment(), 0, size);
            w.seal();
          }
          secondaries++;
        } else {
          client.putBytes(id, data, new byte[] {(byte) i});
          primaries.add(id);
          sums.add(StoreTestSupport.checksum(MemorySegment.ofArray(data)));
        }
      }
      client.sync();
      StoreStats s = server.stats();
      assertThat(s.evictions())
          .as("secondaries evicted")
          .isPositive()
          .isLessThanOrEqualTo(secondaries);
      assertThat(s.spills()).as("primaries spilled").isPositive();
      assertThat(s.spilledCount()).isPositive();
      // every primary is still there, byte for byte (in memory, or restored from disk)
      for (int i = 0; i < primaries.size(); i++) {
        try (Payload p = client.getPayload(primaries.get(i), Duration.ofSeconds(10))) {
          assertThat(StoreTestSupport.checksum(p.data())).as("object %d", i).isEqualTo(sums.get(i));
        }
      }
      assertThat(server.stats().restores()).isPositive();
      // delete removes spill files too
      for (ObjectId id : primaries.subList(0, primaries.size() / 2)) {
        client.delete(id);
      }
      client.sync();
      assertThat(countFiles(spillRoot.resolve(server.name() + ".spill")))
          .isLessThanOrEqualTo(primaries.size() - primaries.size() / 2);
    }
    assertThat(spillRoot).as("spill directory removed").doesNotExist();
    StoreTestSupport.assertNoShmLeak();
  }

  @Test
  void threadsSpillingRestoringAndDeletingConcurrentlyLoseNothing() throws Exception {
    try (StoreServer server = StoreTestSupport.server(tmp, 32L << 20)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          fs.add(
              pool.submit(
                  () -> {
                    Random r = new Random(seed);
                    List<ObjectId> mine = new ArrayList<>();
                    List<Long> sums = new ArrayList<>();
                    try (StoreClient c = server.connect()) {
                      for (int i = 0; i < 40; i++) {
                        byte[] data =
                            StoreTestSupport.pattern(
                                seed * 1000L + i, (1 << 20) + r.nextInt(1 << 20));
                        ObjectId id = ObjectId.random();
                        c.putBytes(id, data, new byte[0]);
                        mine.add(id);
                        sums.add(StoreTestSupport.checksum(MemorySegment.ofArray(data)));
                        int k = r.nextInt(mine.size());
                        try (Payload p = c.getPayload(mine.get(k), Duration.ofSeconds(30))) {
                          assertThat(StoreTestSupport.checksum(p.data())).isEqualTo(sums.get(k));
                        }
                        if (r.nextInt(4) == 0) {
                          int d = r.nextInt(mine.size());
                          c.delete(mine.remove(d));
                          sums.remove(d);
                        }
                      }
                      for (int k = 0; k < mine.size(); k++) {
                        try (Payload p = c.getPayload(mine.get(k), Duration.ofSeconds(30))) {
                          assertThat(StoreTestSupport.checksum(p.data())).isEqualTo(sums.get(k));
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(server.stats().spills()).isPositive();
      assertThat(server.stats().pinnedCount()).isZero();
    }
    StoreTestSupport.assertNoShmLeak();
  }

  private static long countFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }
}
