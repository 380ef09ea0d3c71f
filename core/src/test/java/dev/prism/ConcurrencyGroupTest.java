package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency groups of actors on the real multi-process embedded cluster: each named group has its
 * own limit and threads, so a saturated group never holds up another; methods choose their group by
 * annotation or at creation, calls per call; the default group is as before.
 */
@Timeout(180)
class ConcurrencyGroupTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  /** How long a call that must not start is watched. */
  static final Duration NOT_STARTED = Duration.ofMillis(1_500);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /**
   * An actor whose "io" calls block until a "compute" call releases them, counting how many run at
   * once; the default group records the order of its calls.
   */
  public static final class Store {
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger ioStarted = new AtomicInteger();
    private final AtomicInteger ioRunning = new AtomicInteger();
    private final AtomicInteger ioPeak = new AtomicInteger();
    private final List<Integer> order = new ArrayList<>();
    private final List<Runnable> pending = new ArrayList<>();

    public Store() {}

    @ConcurrencyGroup("io")
    public String read(String key) throws InterruptedException {
      ioPeak.accumulateAndGet(ioRunning.incrementAndGet(), Math::max);
      ioStarted.incrementAndGet();
      try {
        return release.await(60, TimeUnit.SECONDS) ? key : "never released";
      } finally {
        ioRunning.decrementAndGet();
      }
    }

    /** Async: the stage completes once released; it holds an "io" permit until then. */
    @ConcurrencyGroup("io")
    public synchronized CompletableFuture<String> readAsync(String key) {
      ioStarted.incrementAndGet();
      CompletableFuture<String> f = new CompletableFuture<>();
      if (release.getCount() == 0) {
        f.complete(key);
      } else {
        pending.add(() -> f.complete(key));
      }
      return f;
    }

    /** Answers at once, but in the "io" group. */
    @ConcurrencyGroup("io")
    public String peek() {
      return Thread.currentThread().getName();
    }

    @ConcurrencyGroup("compute")
    public int ioStarted() {
      return ioStarted.get();
    }

    @ConcurrencyGroup("compute")
    public int ioPeak() {
      return ioPeak.get();
    }

    @ConcurrencyGroup("compute")
    public synchronized void release() {
      release.countDown();
      pending.forEach(Runnable::run);
    }

    @ConcurrencyGroup("compute")
    public long pid() {
      return ProcessHandle.current().pid();
    }

    /** In the default group. */
    public synchronized int record(int i) {
      order.add(i);
      return order.size();
    }

    /** In the default group. */
    public String defaultThread() {
      return Thread.currentThread().getName();
    }

    /** In the default group. */
    public synchronized List<Integer> order() {
      return List.copyOf(order);
    }
  }

  /** A class whose annotation names a group its actors may not declare. */
  public static final class Misannotated {
    public Misannotated() {}

    @ConcurrencyGroup("missing")
    public void work() {}
  }

  /** Not an actor class here: its method is given for a group of a Store. */
  public static final class Other {
    public Other() {}

    public int other() {
      return 1;
    }
  }

  private static ActorCreator<Store> store() {
    return Prism.actor(Store::new).setConcurrencyGroup("io", 2).setConcurrencyGroup("compute", 1);
  }

  /** Whether the ref is still not ready after {@link #NOT_STARTED}. */
  private static boolean staysUnready(ObjectRef<?> ref) {
    return Prism.wait(List.of(ref), 1, NOT_STARTED).ready().isEmpty();
  }

  /**
   * Saturates "io" with two blocked reads, checks that a third does not start while "compute" and
   * the default group still answer, then releases them; returns the three reads.
   */
  private static List<ObjectRef<String>> saturateIoWhileOthersAnswer(ActorHandle<Store> store) {
    List<ObjectRef<String>> reads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      reads.add(store.task(Store::read, "k" + i).remote());
    }
    Awaitility.await("two io calls run")
        .atMost(WAIT)
        .until(() -> Prism.get(store.task(Store::ioStarted).remote(), WAIT) == 2);
    // "io" is saturated: the other groups still answer, and the third read does not start.
    assertThat(Prism.get(store.task(Store::ioStarted).remote(), Duration.ofSeconds(30)))
        .isEqualTo(2);
    assertThat(Prism.get(store.task(Store::record, 1).remote(), Duration.ofSeconds(30)))
        .isEqualTo(1);
    assertThat(staysUnready(reads.get(2))).as("the third io call waits for a permit").isTrue();
    assertThat(Prism.get(store.task(Store::ioStarted).remote(), WAIT)).isEqualTo(2);
    return reads;
  }

  @Test
  void aSaturatedGroupHoldsUpNoOtherGroupAndItsLimitHolds() {
    ActorHandle<Store> store = store().remote();
    List<ObjectRef<String>> reads = saturateIoWhileOthersAnswer(store);
    Prism.get(store.task(Store::release).remote(), WAIT);
    assertThat(Prism.get(reads, WAIT)).containsExactly("k0", "k1", "k2");
    assertThat(Prism.get(store.task(Store::ioPeak).remote(), WAIT)).isEqualTo(2);
    assertThat(Prism.get(store.task(Store::ioStarted).remote(), WAIT)).isEqualTo(3);
    store.kill();
  }

  @Test
  void asyncMethodsHoldTheirGroupsPermitUntilTheirStageCompletes() {
    ActorHandle<Store> store = store().remote();
    List<ObjectRef<String>> reads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      reads.add(store.taskAsync(Store::readAsync, "a" + i).remote());
    }
    Awaitility.await("two async io calls pending")
        .atMost(WAIT)
        .until(() -> Prism.get(store.task(Store::ioStarted).remote(), WAIT) == 2);
    assertThat(staysUnready(reads.get(2))).as("the third async call waits for a permit").isTrue();
    assertThat(Prism.get(store.task(Store::ioStarted).remote(), WAIT)).isEqualTo(2);
    Prism.get(store.task(Store::release).remote(), WAIT);
    assertThat(Prism.get(reads, WAIT)).containsExactly("a0", "a1", "a2");
    store.kill();
  }

  @Test
  void aCallChoosesItsGroupOverItsMethodsGroup() {
    ActorHandle<Store> store = store().remote();
    List<ObjectRef<String>> reads = saturateIoWhileOthersAnswer(store);
    // peek is an "io" method: it waits behind the reads, unless the call picks another group.
    ObjectRef<String> inIo = store.task(Store::peek).remote();
    assertThat(Prism.get(store.task(Store::peek).setConcurrencyGroup("compute").remote(), WAIT))
        .startsWith("prism-actor-group-compute");
    assertThat(
            Prism.get(
                store.task(Store::peek).setConcurrencyGroup(ConcurrencyGroup.DEFAULT).remote(),
                WAIT))
        .startsWith("prism-actor-group-default");
    // and a "compute" method called in "io" waits behind the reads too
    ObjectRef<Integer> computeInIo =
        store.task(Store::ioStarted).setConcurrencyGroup("io").remote();
    assertThat(staysUnready(inIo)).isTrue();
    assertThat(staysUnready(computeInIo)).isTrue();
    Prism.get(store.task(Store::release).remote(), WAIT);
    assertThat(Prism.get(reads, WAIT)).hasSize(3);
    assertThat(Prism.get(inIo, WAIT)).startsWith("prism-actor-io-");
    assertThat(Prism.get(computeInIo, WAIT)).isGreaterThanOrEqualTo(2);
    store.kill();
  }

  @Test
  void methodsGivenAtCreationTakePrecedenceOverAnnotations() {
    ConcurrencyGroupConfig<Store> compute =
        new ConcurrencyGroupBuilder<Store>()
            .setName("compute")
            .setMaxConcurrency(1)
            .addMethod(Store::peek)
            .build();
    assertThat(compute.name()).isEqualTo("compute");
    assertThat(compute.maxConcurrency()).isEqualTo(1);
    assertThat(compute.methodNames()).containsExactly("ConcurrencyGroupTest$Store.peek");
    ActorHandle<Store> store =
        Prism.actor(Store::new)
            .setConcurrencyGroups(
                new ConcurrencyGroupBuilder<Store>().setName("io").setMaxConcurrency(2).build(),
                compute)
            .remote();
    List<ObjectRef<String>> reads = saturateIoWhileOthersAnswer(store);
    // peek is annotated "io", but was put in "compute" at creation: it answers
    assertThat(Prism.get(store.task(Store::peek).remote(), Duration.ofSeconds(30)))
        .startsWith("prism-actor-group-compute");
    Prism.get(store.task(Store::release).remote(), WAIT);
    assertThat(Prism.get(reads, WAIT)).hasSize(3);
    store.kill();
  }

  @Test
  void theDefaultGroupKeepsItsOrderAndLimit() {
    ActorHandle<Store> store = store().remote();
    List<ObjectRef<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(store.task(Store::record, i).remote());
    }
    // Store's async method is in "io": the default group is not made concurrent for it
    assertThat(Prism.get(store.task(Store::defaultThread).remote(), WAIT))
        .isEqualTo("prism-actor-group-default");
    assertThat(Prism.get(calls, WAIT)).isSorted();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      expected.add(i);
    }
    assertThat(Prism.get(store.task(Store::order).remote(), WAIT)).isEqualTo(expected);
    store.kill();
  }

  @Test
  void restartedActorsKeepTheirGroups() {
    ActorHandle<Store> store = store().setMaxRestarts(1).remote();
    long first = Prism.get(store.task(Store::pid).remote(), WAIT);
    Chaos.kill9(first);
    Awaitility.await("the actor restarts")
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> Prism.get(store.task(Store::pid).remote(), WAIT) != first);
    List<ObjectRef<String>> reads = saturateIoWhileOthersAnswer(store);
    Prism.get(store.task(Store::release).remote(), WAIT);
    assertThat(Prism.get(reads, WAIT)).containsExactly("k0", "k1", "k2");
    assertThat(Prism.get(store.task(Store::ioPeak).remote(), WAIT)).isEqualTo(2);
    store.kill();
  }

  @Test
  void aCallNamingAnUndeclaredGroupFailsAtRemote() {
    ActorHandle<Store> store = store().setName("cg-store").remote();
    assertThatThrownBy(() -> store.task(Store::peek).setConcurrencyGroup("nope").remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no concurrency group \"nope\"")
        .hasMessageContaining("[io, compute]");
    // a handle found by name knows the groups too
    ActorHandle<Store> found = Prism.<Store>getActor("cg-store").orElseThrow();
    assertThatThrownBy(() -> found.task(Store::peek).setConcurrencyGroup("nope").remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope");
    assertThat(Prism.get(found.task(Store::peek).setConcurrencyGroup("io").remote(), WAIT))
        .startsWith("prism-actor-io-");
    assertThatThrownBy(() -> store.task(Store::peek).setConcurrencyGroup(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> store.task(Store::peek).setConcurrencyGroup(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("group");
    store.kill();
  }

  @Test
  void badGroupsAreRefusedAtCreationNamingWhatIsWrong() {
    assertThatThrownBy(() -> Prism.actor(Misannotated::new).remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Misannotated.work")
        .hasMessageContaining("@ConcurrencyGroup(\"missing\")")
        .hasMessageContaining("it declares none");
    assertThatThrownBy(() -> Prism.actor(Misannotated::new).setConcurrencyGroup("io", 1).remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("it declares [io]");
    assertThatThrownBy(() -> Prism.actor(Store::new).setConcurrencyGroup("io", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("concurrency group \"io\" is 0; give 1 or more");
    assertThatThrownBy(() -> new ConcurrencyGroupBuilder<Store>().setMaxConcurrency(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give 1 or more");
    assertThatThrownBy(
            () -> Prism.actor(Store::new).setConcurrencyGroup("io", 1).setConcurrencyGroup("io", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"io\" is declared twice");
    assertThatThrownBy(() -> Prism.actor(Store::new).setConcurrencyGroup("default", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the name of the default group");
    assertThatThrownBy(() -> Prism.actor(Store::new).setConcurrencyGroup("", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> new ConcurrencyGroupBuilder<Store>().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("setName");
    ConcurrencyGroupConfig<Store> a =
        new ConcurrencyGroupBuilder<Store>().setName("a").addMethod(Store::peek).build();
    ConcurrencyGroupConfig<Store> b =
        new ConcurrencyGroupBuilder<Store>().setName("b").addMethod(Store::peek).build();
    assertThatThrownBy(() -> Prism.actor(Store::new).setConcurrencyGroups(a, b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Store.peek is put in concurrency groups \"a\" and \"b\"");
    // nulls are refused naming the parameter, as everywhere in the API
    ActorCreator<Store> creator = Prism.actor(Store::new);
    assertThatThrownBy(() -> creator.setConcurrencyGroup(null, 1)).hasMessageStartingWith("name");
    assertThatThrownBy(() -> creator.setConcurrencyGroup(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("group");
    assertThatThrownBy(() -> creator.setConcurrencyGroups(a, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("groups[1] (of 2)");
    assertThatThrownBy(() -> new ConcurrencyGroupBuilder<Store>().setName(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("name");
    assertThatThrownBy(
            () ->
                new ConcurrencyGroupBuilder<Store>()
                    .addMethod((dev.prism.function.PrismFunc1<Store, String>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("method");
    @SuppressWarnings({"unchecked", "rawtypes"})
    ConcurrencyGroupConfig<Store> foreign =
        (ConcurrencyGroupConfig)
            new ConcurrencyGroupBuilder<Other>().setName("io").addMethod(Other::other).build();
    assertThatThrownBy(
            () ->
                Prism.actor(Store::new)
                    .setConcurrencyGroup(foreign)
                    .setConcurrencyGroup("compute", 1)
                    .remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Other.other, given for concurrency group \"io\", is not a method");
  }
}
