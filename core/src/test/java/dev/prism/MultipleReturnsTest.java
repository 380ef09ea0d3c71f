package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tasks and actor calls with several results (Ray's num_returns), on the embedded cluster. */
@Timeout(120)
class MultipleReturnsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  static List<Object> split(int x) {
    return List.of(x, "n" + x, new long[] {x, x});
  }

  static int[] pair(int x) {
    return new int[] {x, -x};
  }

  static long[][] bigHalves(int n) {
    long[] a = new long[n];
    long[] b = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
      b[i] = -i;
    }
    return new long[][] {a, b};
  }

  static List<Integer> wrongCount() {
    return List.of(1, 2);
  }

  static List<Integer> fails() {
    throw new IllegalStateException("no results today");
  }

  static int single() {
    return 1;
  }

  static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return s;
  }

  /** An actor whose method gives two results. */
  public static final class MinMax {
    private int lo = Integer.MAX_VALUE;
    private int hi = Integer.MIN_VALUE;

    public MinMax() {}

    public List<Integer> add(int x) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      return List.of(lo, hi);
    }
  }

  @Test
  void eachElementBecomesAnObjectOfItsOwn() {
    List<ObjectRef<Object>> refs = Prism.task(MultipleReturnsTest::split, 7).remoteMultiple(3);
    assertThat(refs).hasSize(3);
    assertThat(refs.stream().map(ObjectRef::id).distinct()).hasSize(3);
    assertThat(Prism.get(refs.get(1), WAIT)).isEqualTo("n7");
    assertThat(Prism.get(refs.get(0), WAIT)).isEqualTo(7);
    assertThat((long[]) Prism.get(refs.get(2), WAIT)).containsExactly(7L, 7L);
    List<ObjectRef<Integer>> pair = Prism.task(MultipleReturnsTest::pair, 5).remoteMultiple(2);
    assertThat(Prism.get(pair, WAIT)).containsExactly(5, -5);
  }

  @Test
  void largeResultsAreStoredAndPassedOnSeparately() {
    List<ObjectRef<long[]>> halves =
        Prism.task(MultipleReturnsTest::bigHalves, 300_000).remoteMultiple(2);
    ObjectRef<Long> sumB = Prism.task(MultipleReturnsTest::sum, halves.get(1)).remote();
    ObjectRef<Long> sumA = Prism.task(MultipleReturnsTest::sum, halves.get(0)).remote();
    long expected = 300_000L * 299_999 / 2;
    assertThat(Prism.get(sumA, WAIT)).isEqualTo(expected);
    assertThat(Prism.get(sumB, WAIT)).isEqualTo(-expected);
  }

  @Test
  void anErrorOrAWrongCountFailsEveryResult() {
    List<ObjectRef<Integer>> wrong = Prism.task(MultipleReturnsTest::wrongCount).remoteMultiple(3);
    for (ObjectRef<Integer> ref : wrong) {
      assertThatThrownBy(() -> Prism.get(ref, WAIT))
          .isInstanceOf(TaskException.class)
          .hasMessageContaining("declared 3 returns, but its method returned 2 elements");
    }
    List<ObjectRef<Integer>> failed =
        Prism.task(MultipleReturnsTest::fails).setMaxRetries(0).remoteMultiple(2);
    for (ObjectRef<Integer> ref : failed) {
      assertThatThrownBy(() -> Prism.get(ref, WAIT))
          .isInstanceOf(TaskException.class)
          .hasMessageContaining("no results today");
    }
  }

  @Test
  void badCountsAndReturnTypesAreRefusedAtSubmit() {
    assertThatThrownBy(() -> Prism.task(MultipleReturnsTest::pair, 1).remoteMultiple(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numReturns is 1; give 2 or more");
    assertThatThrownBy(() -> Prism.task(MultipleReturnsTest::single).remoteMultiple(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns int")
        .hasMessageContaining("List or an array");
  }

  @Test
  void anActorCallGivesSeveralResults() {
    ActorHandle<MinMax> a = Prism.actor(MinMax::new).remote();
    a.task(MinMax::add, 4).remote();
    List<ObjectRef<Integer>> refs = a.task(MinMax::add, -2).remoteMultiple(2);
    assertThat(Prism.get(refs, WAIT)).containsExactly(-2, 4);
    assertThatThrownBy(() -> a.task(MinMax::add, 1).remoteMultiple(0))
        .isInstanceOf(IllegalArgumentException.class);
    a.kill();
  }
}
