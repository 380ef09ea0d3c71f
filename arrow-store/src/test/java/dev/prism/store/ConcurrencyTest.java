package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads of one JVM creating and reading, on own clients and on one shared client. */
class ConcurrencyTest {

  @TempDir Path tmp;

  /** Each thread puts payloads, reads them back and deletes half; checksums are verified. */
  static void runThreads(StoreServer server, int threads, int perThread) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = 1000 + t;
        fs.add(
            pool.submit(
                () -> {
                  try (StoreClient c = server.connect()) {
                    for (int i = 0; i < perThread; i++) {
                      byte[] data =
                          StoreTestSupport.pattern(seed * 100_000L + i, 64 + (i * 31) % 9000);
                      ObjectId id = ObjectId.random();
                      c.putBytes(id, data, new byte[0]);
                      try (Payload p = c.getPayload(id, Duration.ofSeconds(10))) {
                        assertThat(StoreTestSupport.checksum(p.data()))
                            .isEqualTo(StoreTestSupport.checksum(MemorySegment.ofArray(data)));
                      }
                      if (i % 2 == 0) {
                        c.delete(id);
                      }
                    }
                    c.sync();
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
  }

  @Test
  void manyThreadsWithOwnClients() throws Exception {
    try (StoreServer server = StoreTestSupport.server(tmp, 32L << 20)) {
      runThreads(server, 8, 250);
      assertThat(server.stats().objectCount()).isEqualTo(8 * 125);
      assertThat(server.stats().pinnedCount()).isZero();
    }
    StoreTestSupport.assertNoShmLeak();
  }

  @Test
  void manyThreadsSharingOneClientAndReadingEachOthersObjects() throws Exception {
    try (StoreServer server = StoreTestSupport.server(tmp, 32L << 20);
        StoreClient shared = server.connect()) {
      ConcurrentHashMap<ObjectId, Long> sums = new ConcurrentHashMap<>();
      List<ObjectId> ids = Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
          int seed = t;
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 200; i++) {
                      byte[] data = StoreTestSupport.pattern(seed * 1000L + i, 1 + i * 13);
                      ObjectId id = ObjectId.random();
                      shared.putBytes(id, data, new byte[0]);
                      sums.put(id, StoreTestSupport.checksum(MemorySegment.ofArray(data)));
                      ids.add(id);
                      ObjectId other = ids.get((int) ((seed * 7L + i) % ids.size()));
                      try (Payload p = shared.getPayload(other, Duration.ofSeconds(10))) {
                        assertThat(StoreTestSupport.checksum(p.data())).isEqualTo(sums.get(other));
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
      shared.sync();
      assertThat(server.stats().objectCount()).isEqualTo(1200);
      assertThat(server.stats().pinnedCount()).isZero();
    }
    StoreTestSupport.assertNoShmLeak();
  }
}
