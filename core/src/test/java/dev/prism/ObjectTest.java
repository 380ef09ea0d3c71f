package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.worker.CoreWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Objects: put/get, the shared-memory store, Arrow data, waiting, and reference counting. */
@Timeout(300)
class ObjectTest {

  private static final Duration WAIT = Duration.ofSeconds(120);

  @BeforeAll
  static void start() {
    Prism.init(
        ClusterFixture.small()
            .objectStoreMemory(3L << 30)
            .workerJvmOptions(List.of("-Xmx2500m", "-XX:+UseSerialGC"))
            .build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  record Point(int x, int y) {}

  @Test
  void aHundredThousandPutsAndGets() {
    List<ObjectRef<Point>> refs = new ArrayList<>(100_000);
    for (int i = 0; i < 100_000; i++) {
      refs.add(Prism.put(new Point(i, -i)));
    }
    for (int i = 0; i < 100_000; i++) {
      assertThat(Prism.get(refs.get(i))).isEqualTo(new Point(i, -i));
    }
  }

  static long sumLongs(long[] values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return s;
  }

  @Test
  void aOneGibArrayThroughTheStore() {
    long[] big = new long[(1 << 30) / 8];
    for (int i = 0; i < big.length; i++) {
      big[i] = i;
    }
    long expected = (long) big.length * (big.length - 1) / 2;
    ObjectRef<long[]> ref = Prism.put(big);
    big = null;
    assertThat(Prism.get(Prism.task(ObjectTest::sumLongs, ref).remote(), WAIT)).isEqualTo(expected);
    long[] back = Prism.get(ref, WAIT);
    assertThat(back.length).isEqualTo((1 << 30) / 8);
    assertThat(back[back.length - 1]).isEqualTo(back.length - 1);
  }

  static long sumArrow(VectorSchemaRoot root) {
    BigIntVector v = (BigIntVector) root.getVector("v");
    long s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += v.get(i);
    }
    return s;
  }

  @Test
  void arrowDataIsReadBackZeroCopyByTasksAndTheDriver() {
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector v = new BigIntVector("v", allocator)) {
      int n = 100_000;
      v.allocateNew(n);
      for (int i = 0; i < n; i++) {
        v.set(i, i);
      }
      v.setValueCount(n);
      ObjectRef<VectorSchemaRoot> ref;
      try (VectorSchemaRoot root = VectorSchemaRoot.of(v)) {
        ref = Prism.put(root);
      }
      assertThat(Prism.get(Prism.task(ObjectTest::sumArrow, ref).remote(), WAIT))
          .isEqualTo((long) n * (n - 1) / 2);
      try (VectorSchemaRoot back = Prism.get(ref, WAIT)) {
        assertThat(back.getRowCount()).isEqualTo(n);
        long address = back.getVector("v").getDataBuffer().memoryAddress();
        assertThat(CoreWorker.current().isInSharedMemory(address))
            .as("the driver reads the Arrow buffers inside the node's shared mapping")
            .isTrue();
      }
    }
  }

  static int slow(int ms) throws InterruptedException {
    Thread.sleep(ms);
    return ms;
  }

  @Test
  void waitReturnsTheReadyOnesInOrder() {
    ObjectRef<Integer> fast = Prism.task(ObjectTest::slow, 10).remote();
    ObjectRef<Integer> slow = Prism.task(ObjectTest::slow, 5_000).remote();
    WaitResult<Integer> first = Prism.wait(List.of(slow, fast), 1, WAIT);
    assertThat(first.ready()).containsExactly(fast);
    assertThat(first.unready()).containsExactly(slow);
    WaitResult<Integer> timedOut = Prism.wait(List.of(slow, fast), 2, Duration.ofMillis(50));
    assertThat(timedOut.ready()).containsExactly(fast);
    assertThatThrownBy(() -> Prism.wait(List.of(fast), 2, WAIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numReturns is 2");
    assertThat(Prism.wait(List.of(slow, fast), 2, WAIT).ready()).hasSize(2);
  }

  @Test
  void aWaitLoopCollectsEveryResultExactlyOnce() {
    List<ObjectRef<Integer>> pending = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pending.add(Prism.task(ObjectTest::slow, (i * 37) % 120).remote());
    }
    List<Integer> seen = new ArrayList<>();
    while (!pending.isEmpty()) {
      WaitResult<Integer> w = Prism.wait(pending, 1, WAIT);
      assertThat(w.ready()).hasSize(1);
      seen.add(Prism.get(w.ready().getFirst()));
      pending = w.unready();
    }
    assertThat(seen)
        .hasSize(40)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 40).map(i -> (i * 37) % 120).boxed().toList());
  }

  @Test
  void putOfARefAndGetOfANullRefAreClearErrors() {
    ObjectRef<Integer> ref = Prism.put(1);
    assertThatThrownBy(() -> Prism.put(ref))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("already an object");
    assertThatThrownBy(() -> Prism.get((ObjectRef<Integer>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ref");
  }

  @Test
  void droppedObjectsAreFreedAndStoreUsageReturnsToItsBaseline() throws Exception {
    System.gc();
    awaitStable();
    long baseline = CoreWorker.current().storeBytesInUse();
    int owned = CoreWorker.current().trackedObjects();
    for (int i = 0; i < 10_000; i++) {
      ObjectRef<byte[]> ref = Prism.put(new byte[200 * 1024]);
      if (i % 1000 == 0) {
        assertThat(Prism.get(ref)).hasSize(200 * 1024);
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && CoreWorker.current().storeBytesInUse() > baseline) {
      System.gc();
      Thread.sleep(200);
    }
    assertThat(CoreWorker.current().storeBytesInUse()).isLessThanOrEqualTo(baseline);
    assertThat(CoreWorker.current().trackedObjects()).isLessThanOrEqualTo(owned + 10);
  }

  private static void awaitStable() throws InterruptedException {
    Thread.sleep(300);
  }

  @Test
  void refsInsideAPutValueKeepTheirObjectsAlive() {
    ObjectRef<String> inner = Prism.put("inner value");
    ObjectRef<Map<String, ObjectRef<String>>> outer = Prism.put(Map.of("k", inner));
    inner = null;
    System.gc();
    Map<String, ObjectRef<String>> map = Prism.get(outer, WAIT);
    assertThat(Prism.get(map.get("k"), WAIT)).isEqualTo("inner value");
  }
}
