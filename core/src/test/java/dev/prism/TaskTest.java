package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Remote tasks on the real multi-process embedded cluster: the seed's programs and more. */
@Timeout(120)
class TaskTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  // --- the seed's programs ---

  static int[] readArray(String name) {
    int[] out = new int[1_000];
    for (int i = 0; i < out.length; i++) {
      out[i] = name.hashCode() % 100 + i;
    }
    return out;
  }

  static int[] add(int[] a, int[] b) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] + b[i];
    }
    return out;
  }

  static int twice(int x) {
    return 2 * x;
  }

  static long sum(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).sum();
  }

  static long leaf(long x) {
    return x + 1;
  }

  @Test
  void readArrayTwiceThenAddThroughRefs() {
    ObjectRef<int[]> a = Prism.task(TaskTest::readArray, "a").remote();
    ObjectRef<int[]> b = Prism.task(TaskTest::readArray, "b").remote();
    ObjectRef<int[]> sum = Prism.task(TaskTest::add, a, b).remote();
    assertThat(Prism.get(sum, WAIT)).containsExactly(add(readArray("a"), readArray("b")));
  }

  @Test
  void doubleOverTenThousandFutures() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      refs.add(Prism.task(TaskTest::twice, i).remote());
    }
    List<Integer> results = Prism.get(refs, WAIT);
    assertThat(results)
        .containsExactlyElementsOf(IntStream.range(0, 10_000).map(i -> 2 * i).boxed().toList());
  }

  @Test
  void aDynamicTaskGraphBuiltAtRunTime() {
    // Each level's width depends on the previous level's results.
    List<ObjectRef<Long>> level = List.of(Prism.task(TaskTest::leaf, 0L).remote());
    for (int depth = 0; depth < 4; depth++) {
      List<ObjectRef<Long>> next = new ArrayList<>();
      for (ObjectRef<Long> ref : level) {
        long value = Prism.get(ref, WAIT);
        for (int k = 0; k < (int) (value % 3) + 1; k++) {
          next.add(Prism.task(TaskTest::leaf, ref).remote());
        }
      }
      level = next;
    }
    List<Long> values = Prism.get(level, WAIT);
    ObjectRef<Long> total = Prism.task(TaskTest::sum, values).remote();
    assertThat(Prism.get(total, WAIT)).isEqualTo(values.stream().mapToLong(x -> x).sum());
    assertThat(values).allMatch(v -> v == 5L);
  }

  // --- arities, refs, nesting ---

  static String zero() {
    return "none";
  }

  static String six(int a, long b, String c, double d, List<Integer> e, char f) {
    return a + "|" + b + "|" + c + "|" + d + "|" + e + "|" + f;
  }

  static int three(int a, int b, int c) {
    return a * 100 + b * 10 + c;
  }

  static final List<String> SIDE = new ArrayList<>();

  static void sideEffect(String s) {
    SIDE.add(s);
  }

  @Test
  void everyArityWithValuesAndRefsMixed() {
    assertThat(Prism.get(Prism.task(TaskTest::zero).remote(), WAIT)).isEqualTo("none");
    ObjectRef<Long> b = Prism.put(2L);
    ObjectRef<List<Integer>> e = Prism.put(List.of(5, 5));
    String expected = "1|2|c|4.5|[5, 5]|f";
    assertThat(Prism.get(Prism.task(TaskTest::six, 1, b, "c", 4.5, e, 'f').remote(), WAIT))
        .isEqualTo(expected);
    assertThat(
            Prism.get(
                Prism.task(TaskTest::six, 1, 2L, "c", 4.5, List.of(5, 5), 'f').remote(), WAIT))
        .isEqualTo(expected);
    ObjectRef<Integer> one = Prism.task(TaskTest::twice, 0).remote();
    ObjectRef<Integer> four = Prism.task(TaskTest::twice, 2).remote();
    assertThat(Prism.get(Prism.task(TaskTest::three, one, 2, four).remote(), WAIT)).isEqualTo(24);
  }

  @Test
  void voidTasksGiveANullResult() {
    ObjectRef<Void> done = Prism.task(TaskTest::sideEffect, "x").remote();
    assertThat(Prism.get(done, WAIT)).isNull();
    assertThat(SIDE).as("the task ran in a worker, not in the driver").isEmpty();
  }

  static long fanOut(int n) {
    List<ObjectRef<Long>> refs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      refs.add(Prism.task(TaskTest::leaf, (long) i).remote());
    }
    return Prism.get(refs).stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void tasksSubmitTasks() {
    ObjectRef<Long> total = Prism.task(TaskTest::fanOut, 20).remote();
    assertThat(Prism.get(total, WAIT))
        .isEqualTo(IntStream.range(0, 20).mapToLong(i -> i + 1).sum());
  }

  @Test
  void tasksWaitingForTheirOwnSubtasksDoNotDeadlockTheNode() {
    // Four outer tasks on two CPUs, each waiting for five subtasks: only because a waiting
    // task lends its CPU to others can the subtasks run.
    List<ObjectRef<Long>> outers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      outers.add(Prism.task(TaskTest::fanOut, 5).remote());
    }
    assertThat(Prism.get(outers, WAIT)).containsOnly(15L);
  }

  static long sumRefs(List<ObjectRef<Long>> refs) {
    long s = 0;
    for (ObjectRef<Long> r : refs) {
      s += Prism.get(r);
    }
    return s;
  }

  static List<ObjectRef<Long>> makeRefs(int n) {
    List<ObjectRef<Long>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Prism.put((long) i * 10));
    }
    return out;
  }

  @Test
  void refsNestedInListsTravelBothWays() {
    List<ObjectRef<Long>> refs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      refs.add(Prism.task(TaskTest::leaf, (long) i).remote());
    }
    assertThat(Prism.get(Prism.task(TaskTest::sumRefs, refs).remote(), WAIT)).isEqualTo(55L);
    // A worker puts objects and returns refs to them: the driver borrows them from the worker.
    List<ObjectRef<Long>> made = Prism.get(Prism.task(TaskTest::makeRefs, 5).remote(), WAIT);
    System.gc();
    assertThat(Prism.get(made, WAIT)).containsExactly(0L, 10L, 20L, 30L, 40L);
  }

  @Test
  void aDependencyChainAThousandDeep() {
    ObjectRef<Long> ref = Prism.put(0L);
    for (int i = 0; i < 1_000; i++) {
      ref = Prism.task(TaskTest::leaf, ref).remote();
    }
    assertThat(Prism.get(ref, WAIT)).isEqualTo(1_000L);
  }

  static RuntimeContext context() {
    return Prism.runtimeContext();
  }

  @Test
  void tasksRunInWorkerProcessesWithTheirOwnContext() {
    RuntimeContext driver = Prism.runtimeContext();
    RuntimeContext worker = Prism.get(Prism.task(TaskTest::context).remote(), WAIT);
    assertThat(driver.isDriver()).isTrue();
    assertThat(worker.isDriver()).isFalse();
    assertThat(worker.workerId()).isNotEqualTo(driver.workerId());
    assertThat(worker.nodeId()).isEqualTo(driver.nodeId());
    assertThat(worker.jobId()).isEqualTo(driver.jobId());
    assertThat(worker.gpuIds()).isEmpty();
  }

  static int[] bigArray(int n) {
    int[] out = new int[n];
    Arrays.setAll(out, i -> i);
    return out;
  }

  static long sumArray(int[] a) {
    long s = 0;
    for (int v : a) {
      s += v;
    }
    return s;
  }

  @Test
  void largeArgumentsAndResultsGoThroughTheStore() {
    int n = 2_000_000;
    ObjectRef<int[]> big = Prism.task(TaskTest::bigArray, n).remote();
    assertThat(Prism.get(Prism.task(TaskTest::sumArray, big).remote(), WAIT))
        .isEqualTo((long) n * (n - 1) / 2);
    assertThat(Prism.get(Prism.task(TaskTest::sumArray, bigArray(n)).remote(), WAIT))
        .isEqualTo((long) n * (n - 1) / 2);
    assertThat(Prism.get(big, WAIT)).hasSize(n).startsWith(0, 1, 2);
  }
}
