package dev.prism.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ring algorithms over real TCP sockets, each rank on a thread of its own (the transport is the
 * same one actors use; {@link CollectiveGroupTest} runs it between processes).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CommunicatorTest {
  private static final ExecutorService POOL = Executors.newCachedThreadPool();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @AfterAll
  static void stop() {
    POOL.shutdownNow();
  }

  /** Forms a group of n ranks on loopback and runs {@code body} on each rank's thread. */
  static <T> List<T> onRanks(int n, Duration timeout, BiFunction<Communicator, Integer, T> body)
      throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      endpoints.add(Endpoint.open("127.0.0.1"));
    }
    List<String> addresses = endpoints.stream().map(Endpoint::address).toList();
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int rank = i;
      futures.add(
          POOL.submit(
              () -> {
                try (Communicator c = endpoints.get(rank).connect(rank, addresses, timeout)) {
                  return body.apply(c, rank);
                }
              }));
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(f.get(2, TimeUnit.MINUTES));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} ranks, {1} floats")
  @CsvSource({
    "1, 1",
    "1, 1000",
    "2, 1",
    "2, 3",
    "2, 1000",
    "3, 1",
    "3, 2",
    "3, 7",
    "3, 100003",
    "4, 1",
    "4, 5",
    "4, 262144",
    "4, 1000003"
  })
  void allreduceSumAndMeanMatchTheSerialResult(int n, int count) throws Exception {
    List<float[]> results =
        onRanks(
            n,
            TIMEOUT,
            (c, rank) -> {
              float[] a = values(rank, count);
              c.allreduce(a, ReduceOp.SUM);
              float[] m = values(rank, count);
              c.allreduce(m, ReduceOp.MEAN);
              float[] both = new float[count * 2];
              System.arraycopy(a, 0, both, 0, count);
              System.arraycopy(m, 0, both, count, count);
              return both;
            });
    float[][] inputs = new float[n][];
    for (int r = 0; r < n; r++) {
      inputs[r] = values(r, count);
    }
    for (int i = 0; i < count; i++) {
      float sum = 0;
      for (int r = 0; r < n; r++) {
        sum += inputs[r][i];
      }
      assertThat(results.get(0)[i])
          .as("sum at %d", i)
          .isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-3f * Math.max(1, Math.abs(sum))));
      assertThat(results.get(0)[count + i])
          .isCloseTo(
              sum / n, org.assertj.core.data.Offset.offset(1e-3f * Math.max(1, Math.abs(sum))));
    }
    for (float[] r : results) {
      assertThat(r).as("every rank ends with the same bytes").isEqualTo(results.get(0));
    }
  }

  @Test
  void allreduceMaxMinOnIntegersAndDoubles() throws Exception {
    List<long[]> results =
        onRanks(
            3,
            TIMEOUT,
            (c, rank) -> {
              try (Arena arena = Arena.ofConfined()) {
                MemorySegment ints = arena.allocate(4 * 10);
                MemorySegment longs = arena.allocate(8 * 10);
                for (int i = 0; i < 10; i++) {
                  ints.setAtIndex(ValueLayout.JAVA_INT, i, rank * 10 - i);
                  longs.setAtIndex(ValueLayout.JAVA_LONG, i, (long) rank << 40);
                }
                c.allreduce(ints, DataType.INT32, ReduceOp.MAX);
                c.allreduce(longs, DataType.INT64, ReduceOp.MIN);
                double[] d = {rank, -rank};
                c.allreduce(d, ReduceOp.MAX);
                return new long[] {
                  ints.getAtIndex(ValueLayout.JAVA_INT, 3),
                  longs.getAtIndex(ValueLayout.JAVA_LONG, 0),
                  (long) d[0],
                  (long) d[1]
                };
              }
            });
    for (long[] r : results) {
      assertThat(r).containsExactly(17, 0, 2, 0);
    }
  }

  @ParameterizedTest(name = "{0} ranks, root {1}, {2} bytes")
  @CsvSource({"1, 0, 10", "2, 1, 1", "3, 2, 5000000", "4, 1, 3", "4, 3, 3000001"})
  void broadcastCopiesTheRootsBytes(int n, int root, int size) throws Exception {
    List<byte[]> results =
        onRanks(
            n,
            TIMEOUT,
            (c, rank) -> {
              byte[] b = new byte[size];
              if (rank == root) {
                for (int i = 0; i < size; i++) {
                  b[i] = (byte) (i * 31 + 7);
                }
              }
              c.broadcast(b, root);
              return b;
            });
    byte[] expected = new byte[size];
    for (int i = 0; i < size; i++) {
      expected[i] = (byte) (i * 31 + 7);
    }
    for (byte[] r : results) {
      assertThat(r).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0} ranks")
  @CsvSource({"1", "2", "3", "4"})
  void allgatherPutsEachRanksBlockInRankOrder(int n) throws Exception {
    List<int[]> results =
        onRanks(
            n,
            TIMEOUT,
            (c, rank) -> {
              try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(4 * 3);
                for (int i = 0; i < 3; i++) {
                  in.setAtIndex(ValueLayout.JAVA_INT, i, rank * 100 + i);
                }
                MemorySegment out = arena.allocate(4L * 3 * n);
                c.allgather(in, out);
                c.barrier();
                return out.toArray(ValueLayout.JAVA_INT);
              }
            });
    for (int[] r : results) {
      for (int rank = 0; rank < n; rank++) {
        for (int i = 0; i < 3; i++) {
          assertThat(r[rank * 3 + i]).isEqualTo(rank * 100 + i);
        }
      }
    }
  }

  @Test
  void allreduceOf256MiBOffHeapIsExact() throws Exception {
    long bytes = 256L << 20;
    List<Float> checks =
        onRanks(
            2,
            TIMEOUT,
            (c, rank) -> {
              try (Arena arena = Arena.ofShared()) {
                MemorySegment s = arena.allocate(bytes, 64);
                long count = bytes / 4;
                for (long i = 0; i < count; i += 1) {
                  s.setAtIndex(ValueLayout.JAVA_FLOAT, i, rank + 1);
                }
                c.allreduce(s, DataType.FLOAT32, ReduceOp.SUM);
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (long i = 0; i < count; i += 4099) {
                  float v = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                  min = Math.min(min, v);
                  max = Math.max(max, v);
                }
                float last = s.getAtIndex(ValueLayout.JAVA_FLOAT, count - 1);
                return min == max && max == last ? max : Float.NaN;
              }
            });
    assertThat(checks).containsExactly(3f, 3f);
  }

  /** Runs {@code body} on 2 ranks and returns what each threw (or "returned"). */
  private static List<String> outcomes(java.util.function.BiConsumer<Communicator, Integer> body)
      throws Exception {
    return onRanks(
        2,
        TIMEOUT,
        (c, rank) -> {
          try {
            body.accept(c, rank);
            return "returned";
          } catch (CollectiveException e) {
            return e.getMessage();
          }
        });
  }

  @Test
  void sharedMemoryAllreduceStaysExactWhileItsBuffersGrowAndAlternate() throws Exception {
    int[] counts = {300_000, 3_000_000, 300_000, 5_000_001, 262_144, 3_000_000};
    List<Boolean> ok =
        onRanks(
            3,
            TIMEOUT,
            (c, rank) -> {
              boolean good = true;
              for (int round = 0; round < counts.length; round++) {
                float[] v = new float[counts[round]];
                for (int i = 0; i < v.length; i++) {
                  v[i] = rank + round + (i % 7);
                }
                c.allreduce(v, ReduceOp.SUM);
                for (int i = 0; i < v.length; i += 997) {
                  good &= v[i] == 3 + 3 * round + 3 * (i % 7);
                }
                good &= v[v.length - 1] == 3 + 3 * round + 3 * ((v.length - 1) % 7);
              }
              return good;
            });
    assertThat(ok).containsOnly(true);
    assertThat(sharedFiles()).as("no shared-memory file outlives the group").isEmpty();
  }

  @Test
  void heapSegmentsOfAnyArrayWork() throws Exception {
    List<String> out =
        onRanks(
            2,
            TIMEOUT,
            (c, rank) -> {
              int[] sum = {rank + 1, 10 * (rank + 1)};
              c.allreduce(MemorySegment.ofArray(sum), DataType.INT32, ReduceOp.SUM);
              long[] b = {rank == 1 ? 42 : 0};
              c.broadcast(MemorySegment.ofArray(b), 1);
              double[] in = {rank + 0.5};
              double[] all = new double[2];
              c.allgather(MemorySegment.ofArray(in), MemorySegment.ofArray(all));
              return java.util.Arrays.toString(sum) + b[0] + java.util.Arrays.toString(all);
            });
    assertThat(out).containsOnly("[3, 30]42[0.5, 1.5]");
  }

  @Test
  void onlyGroupsOnOneHostShareMemory() {
    assertThat(
            dev.prism.collective.internal.SharedBuffers.forGroup(
                0, List.of("127.0.0.1:1", "127.0.0.1:2")))
        .isNotNull();
    assertThat(
            dev.prism.collective.internal.SharedBuffers.forGroup(
                0, List.of("10.0.0.1:1", "10.0.0.2:2")))
        .isNull();
    assertThat(dev.prism.collective.internal.SharedBuffers.forGroup(0, List.of("127.0.0.1:1")))
        .isNull();
  }

  static List<String> sharedFiles() throws java.io.IOException {
    java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
    if (!java.nio.file.Files.isDirectory(shm)) {
      return List.of();
    }
    try (var s = java.nio.file.Files.list(shm)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-collective-"))
          .toList();
    }
  }

  @Test
  void ranksThatCallDifferentOperationsFailWithAMessage() throws Exception {
    List<String> out =
        outcomes(
            (c, rank) -> {
              if (rank == 0) {
                c.allreduce(new float[4], ReduceOp.SUM);
              } else {
                c.broadcast(new byte[16], 0);
              }
            });
    assertThat(out).doesNotContain("returned");
    // The rank that reads the other's frame first names the mismatch; the other sees the
    // connection close.
    assertThat(String.join(" | ", out))
        .contains("every rank must call the same collective operations");
  }

  @Test
  void buffersOfDifferentSizesFailWithAMessage() throws Exception {
    List<String> out =
        outcomes((c, rank) -> c.allreduce(new float[rank == 0 ? 10 : 12], ReduceOp.SUM));
    assertThat(out).doesNotContain("returned");
    assertThat(String.join(" | ", out)).contains("buffers differ in size");
  }

  @Test
  void aRankThatNeverCallsTimesTheOthersOutAndBreaksTheGroup() throws Exception {
    List<String> outcome =
        onRanks(
            2,
            Duration.ofMillis(500),
            (c, rank) -> {
              if (rank == 1) {
                sleep(1500);
                return "idle";
              }
              try {
                c.allreduce(new float[8], ReduceOp.SUM);
                return "returned";
              } catch (CollectiveException e) {
                try {
                  c.barrier();
                  return "barrier returned";
                } catch (CollectiveException again) {
                  return e.getMessage() + " | " + again.getMessage();
                }
              }
            });
    assertThat(outcome.get(0))
        .contains("allreduce on rank 0 ran past its timeout of PT0.5S")
        .contains("the group is broken");
  }

  @Test
  void aPeerThatClosesFailsTheOperationInsteadOfHanging() throws Exception {
    List<String> outcome =
        onRanks(
            3,
            TIMEOUT,
            (c, rank) -> {
              if (rank == 2) {
                c.close();
                return "closed";
              }
              try {
                c.allreduce(new float[1000], ReduceOp.SUM);
                return "returned";
              } catch (CollectiveException e) {
                return e.getMessage();
              }
            });
    assertThat(outcome.get(0)).isNotEqualTo("returned");
    assertThat(outcome.get(1)).isNotEqualTo("returned");
    assertThat(outcome.get(0) + outcome.get(1)).contains("a rank died or closed its communicator");
  }

  @Test
  void badArgumentsAreRefusedWithClearMessages() throws Exception {
    Endpoint e = Endpoint.open("127.0.0.1");
    assertThatThrownBy(() -> e.connect(1, List.of(e.address()), TIMEOUT))
        .hasMessageContaining("rank is 1; with 1 addresses it runs from 0 to 0");
    assertThatThrownBy(() -> e.connect(0, List.of("127.0.0.1:1"), TIMEOUT))
        .hasMessageContaining("not this endpoint's");
    assertThatThrownBy(() -> e.connect(0, List.of(), TIMEOUT)).hasMessageContaining("is empty");
    Communicator c = e.connect(0, List.of(e.address()), TIMEOUT);
    assertThatThrownBy(
            () -> c.allreduce(MemorySegment.ofArray(new byte[6]), DataType.FLOAT32, ReduceOp.SUM))
        .hasMessageContaining("not a whole number of FLOAT32 elements");
    assertThatThrownBy(
            () -> c.allreduce(MemorySegment.ofArray(new int[2]), DataType.INT32, ReduceOp.MEAN))
        .hasMessageContaining("MEAN needs FLOAT32 or FLOAT64");
    assertThatThrownBy(() -> c.broadcast(new byte[1], 1)).hasMessageContaining("root is 1");
    c.close();
    assertThatThrownBy(c::barrier).hasMessageContaining("closed communicator");
    assertThatThrownBy(() -> new CollectiveGroup("g", 0, TIMEOUT))
        .hasMessageContaining("worldSize is 0");
    assertThatThrownBy(() -> new CollectiveGroup(" ", 2, TIMEOUT)).hasMessageContaining("blank");
  }

  static float[] values(int rank, int count) {
    float[] a = new float[count];
    for (int i = 0; i < count; i++) {
      a[i] = (float) Math.sin(rank * 7919 + i) * (1 + (i % 13));
    }
    return a;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
