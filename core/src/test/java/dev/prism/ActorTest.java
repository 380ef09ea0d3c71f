package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Actors on the real multi-process embedded cluster: calls, handles, names, concurrency. */
@Timeout(120)
class ActorTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  // --- actor classes (public, so worker processes can construct them) ---

  /** The seed's counter. */
  public static final class Counter {
    private int value;

    public Counter() {}

    public int inc() {
      return ++value;
    }

    public int add(int n) {
      value += n;
      return value;
    }

    public int get() {
      return value;
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }

    public String context() {
      RuntimeContext c = Prism.runtimeContext();
      return c.isActor() + " " + c.actorId().orElse("-") + " " + c.isDriver();
    }
  }

  /** Made through a constructor with arguments, one of which may come as a ref. */
  public static final class Greeter {
    private final String greeting;
    private final int times;

    public Greeter(String greeting, int times) {
      this.greeting = greeting;
      this.times = times;
    }

    public String greet(String name) {
      return (greeting + " " + name + "! ").repeat(times).trim();
    }
  }

  /** Made through a static factory. */
  public static final class Made {
    private final String how;

    private Made(String how) {
      this.how = how;
    }

    public static Made create(String how) {
      return new Made("factory:" + how);
    }

    public String how() {
      return how;
    }
  }

  /** Records, per caller, the order in which calls arrive. */
  public static final class Recorder {
    private final Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();

    public Recorder() {}

    public void record(int caller, int index) {
      seen.computeIfAbsent(caller, c -> new ArrayList<>()).add(index);
    }

    public Map<Integer, List<Integer>> seen() {
      return new java.util.TreeMap<>(seen);
    }
  }

  /** Uses another actor through a handle it was given. */
  public static final class Forwarder {
    private final ActorHandle<Counter> target;

    public Forwarder(ActorHandle<Counter> target) {
      this.target = target;
    }

    public int forward(int times) {
      int last = 0;
      for (int i = 0; i < times; i++) {
        last = Prism.get(target.task(Counter::inc).remote(), WAIT);
      }
      return last;
    }
  }

  /** Calls run on virtual threads: a barrier of n only opens when n calls run at once. */
  public static final class Threaded {
    private final CyclicBarrier barrier;

    public Threaded(int parties) {
      this.barrier = new CyclicBarrier(parties);
    }

    public String meet() throws Exception {
      barrier.await(20, TimeUnit.SECONDS);
      return Thread.currentThread().isVirtual() ? "virtual" : "platform";
    }
  }

  /** Async methods: each returns a stage that completes only once n calls are pending at once. */
  public static final class Gathering {
    private final int parties;
    private final List<CompletableFuture<Integer>> waiting = new ArrayList<>();

    public Gathering(int parties) {
      this.parties = parties;
    }

    public synchronized CompletableFuture<Integer> arrive() {
      CompletableFuture<Integer> f = new CompletableFuture<>();
      waiting.add(f);
      if (waiting.size() == parties) {
        int n = waiting.size();
        for (CompletableFuture<Integer> w : waiting) {
          CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS).execute(() -> w.complete(n));
        }
      }
      return f;
    }

    public CompletableFuture<String> fail() {
      return CompletableFuture.failedFuture(new IllegalStateException("async failure"));
    }
  }

  /** Slow calls, for backpressure and in-flight failures. */
  public static final class Sleeper {
    public Sleeper() {}

    public String sleep(long millis) throws InterruptedException {
      Thread.sleep(millis);
      return "slept";
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }

    public void exit() {
      Prism.exitActor();
    }
  }

  /** Keeps a handle it was given. */
  public static final class Holder {
    private final ActorHandle<Counter> held;

    public Holder(ActorHandle<Counter> held) {
      this.held = held;
    }

    public int incHeld() {
      return Prism.get(held.task(Counter::inc).remote(), WAIT);
    }
  }

  /** A constructor that fails. */
  public static final class Broken {
    public Broken(String why) {
      throw new IllegalStateException("cannot start: " + why);
    }

    public int ping() {
      return 1;
    }
  }

  // --- tests ---

  @Test
  void theSeedsCounterCountsInOrder() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    ObjectRef<Integer> first = counter.task(Counter::inc).remote();
    ObjectRef<Integer> second = counter.task(Counter::inc).remote();
    assertThat(Prism.get(first, WAIT)).isEqualTo(1);
    assertThat(Prism.get(second, WAIT)).isEqualTo(2);
    assertThat(Prism.get(counter.task(Counter::add, 10).remote(), WAIT)).isEqualTo(12);
    String context = Prism.get(counter.task(Counter::context).remote(), WAIT);
    assertThat(context).isEqualTo("true " + counter.actorId() + " false");
    assertThat(counter.actorId()).hasSize(32);
    assertThat(counter.className()).isEqualTo(Counter.class.getName());
    assertThat(Prism.runtimeContext().isActor()).isFalse();
  }

  @Test
  void constructorsAndFactoriesTakeValuesAndRefs() {
    ObjectRef<String> greeting = Prism.put("hello");
    ActorHandle<Greeter> greeter = Prism.actor(Greeter::new, greeting, 2).remote();
    assertThat(Prism.get(greeter.task(Greeter::greet, "prism").remote(), WAIT))
        .isEqualTo("hello prism! hello prism!");
    ActorHandle<Made> made = Prism.actor(Made::create, "x").remote();
    assertThat(Prism.get(made.task(Made::how).remote(), WAIT)).isEqualTo("factory:x");
    assertThat(made.className()).isEqualTo(Made.class.getName());
  }

  @Test
  void eachCallersCallsRunInTheOrderTheyWereMade() throws Exception {
    ActorHandle<Recorder> recorder = Prism.actor(Recorder::new).remote();
    int callers = 8;
    int calls = 200;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<List<ObjectRef<Void>>>> submitted = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        submitted.add(
            pool.submit(
                () -> {
                  List<ObjectRef<Void>> refs = new ArrayList<>();
                  for (int i = 0; i < calls; i++) {
                    refs.add(recorder.task(Recorder::record, caller, i).remote());
                  }
                  return refs;
                }));
      }
      for (Future<List<ObjectRef<Void>>> f : submitted) {
        Prism.get(f.get(60, TimeUnit.SECONDS), WAIT);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<Integer, List<Integer>> seen = Prism.get(recorder.task(Recorder::seen).remote(), WAIT);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      expected.add(i);
    }
    assertThat(seen).hasSize(callers);
    seen.forEach(
        (caller, order) -> assertThat(order).as("calls of caller %d", caller).isEqualTo(expected));
  }

  static int incrementThrough(ActorHandle<Counter> counter, int times) {
    int last = 0;
    for (int i = 0; i < times; i++) {
      last = Prism.get(counter.task(Counter::inc).remote(), WAIT);
    }
    return last;
  }

  static int incrementAll(List<ActorHandle<Counter>> counters) {
    int sum = 0;
    for (ActorHandle<Counter> c : counters) {
      sum += Prism.get(c.task(Counter::inc).remote(), WAIT);
    }
    return sum;
  }

  @Test
  void handlesWorkInsideTasksOtherActorsAndCollections() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    assertThat(Prism.get(Prism.task(ActorTest::incrementThrough, counter, 5).remote(), WAIT))
        .isEqualTo(5);
    ActorHandle<Forwarder> forwarder = Prism.actor(Forwarder::new, counter).remote();
    assertThat(Prism.get(forwarder.task(Forwarder::forward, 3).remote(), WAIT)).isEqualTo(8);
    ActorHandle<Counter> other = Prism.actor(Counter::new).remote();
    assertThat(
            Prism.get(Prism.task(ActorTest::incrementAll, List.of(counter, other)).remote(), WAIT))
        .isEqualTo(9 + 1);
    assertThat(Prism.get(counter.task(Counter::get).remote(), WAIT)).isEqualTo(9);
    ActorHandle<Counter> roundTrip = Prism.get(Prism.put(counter), WAIT);
    assertThat(roundTrip).isEqualTo(counter);
    assertThat(Prism.get(roundTrip.task(Counter::inc).remote(), WAIT)).isEqualTo(10);
  }

  @Test
  void namedActorsAreFoundByNameAndNamesAreUnique() {
    ActorHandle<Counter> named = Prism.actor(Counter::new).setName("shared-counter").remote();
    Prism.get(named.task(Counter::inc).remote(), WAIT);
    ActorHandle<Counter> found = Prism.<Counter>getActor("shared-counter").orElseThrow();
    assertThat(found.actorId()).isEqualTo(named.actorId());
    assertThat(Prism.get(found.task(Counter::inc).remote(), WAIT)).isEqualTo(2);
    assertThatThrownBy(() -> Prism.actor(Counter::new).setName("shared-counter").remote())
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("shared-counter")
        .hasMessageContaining("already exists");
    ActorHandle<Counter> elsewhere =
        Prism.actor(Counter::new).setName("shared-counter").setNamespace("other").remote();
    assertThat(Prism.<Counter>getActor("shared-counter", "other").orElseThrow().actorId())
        .isEqualTo(elsewhere.actorId());
    assertThat(Prism.getActor("no-such-actor")).isEmpty();
    named.kill();
    Awaitility.await("a killed actor's name is free")
        .atMost(WAIT)
        .until(() -> Prism.getActor("shared-counter").isEmpty());
    ActorHandle<Counter> again = Prism.actor(Counter::new).setName("shared-counter").remote();
    assertThat(Prism.get(again.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
    again.kill();
    elsewhere.kill();
  }

  @Test
  void threadedActorsRunCallsConcurrently() {
    ActorHandle<Threaded> threaded = Prism.actor(Threaded::new, 4).setMaxConcurrency(4).remote();
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      refs.add(threaded.task(Threaded::meet).remote());
    }
    assertThat(Prism.get(refs, WAIT)).containsOnly("virtual");
  }

  @Test
  void asyncActorsHoldNoThreadWhileTheirCallsWait() {
    // No max concurrency set: a class with async methods gets many concurrent calls.
    ActorHandle<Gathering> gathering = Prism.actor(Gathering::new, 50).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      refs.add(gathering.taskAsync(Gathering::arrive).remote());
    }
    assertThat(Prism.get(refs, WAIT)).containsOnly(50);
    assertThatThrownBy(() -> Prism.get(gathering.taskAsync(Gathering::fail).remote(), WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("async failure")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void overMaxPendingCallsRemoteFailsFast() {
    ActorHandle<Sleeper> sleeper = Prism.actor(Sleeper::new).setMaxPendingCalls(2).remote();
    ObjectRef<String> a = sleeper.task(Sleeper::sleep, 1_000L).remote();
    ObjectRef<String> b = sleeper.task(Sleeper::sleep, 1_000L).remote();
    assertThatThrownBy(() -> sleeper.task(Sleeper::sleep, 1L).remote())
        .isInstanceOf(PendingCallsLimitExceededException.class)
        .hasMessageContaining("max pending calls");
    assertThat(Prism.get(List.of(a, b), WAIT)).containsExactly("slept", "slept");
    assertThat(Prism.get(sleeper.task(Sleeper::sleep, 1L).remote(), WAIT)).isEqualTo("slept");
    sleeper.kill();
  }

  @Test
  void aFailingConstructorKillsTheActorAndCallsSayWhy() {
    ActorHandle<Broken> broken = Prism.actor(Broken::new, "no disk").remote();
    assertThatThrownBy(() -> Prism.get(broken.task(Broken::ping).remote(), WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("constructor")
        .hasMessageContaining("cannot start: no disk")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aKilledActorFailsItsCallsWithTheReason() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    assertThat(Prism.get(counter.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
    long pid = Prism.get(counter.task(Counter::pid).remote(), WAIT);
    Prism.kill(counter);
    assertThatThrownBy(() -> Prism.get(counter.task(Counter::inc).remote(), WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("killed with Prism.kill");
    Awaitility.await("the killed actor's process exits")
        .atMost(WAIT)
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void anActorThatExitsItselfIsDeadForGood() {
    ActorHandle<Sleeper> sleeper = Prism.actor(Sleeper::new).setMaxRestarts(3).remote();
    long pid = Prism.get(sleeper.task(Sleeper::pid).remote(), WAIT);
    ObjectRef<Void> exit = sleeper.task(Sleeper::exit).remote();
    assertThatThrownBy(() -> Prism.get(exit, WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("exited itself");
    assertThatThrownBy(() -> Prism.get(sleeper.task(Sleeper::pid).remote(), WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("exited itself");
    Awaitility.await()
        .atMost(WAIT)
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void anActorWithNoHandleLeftIsDestroyed() {
    long pid = anonymousCounterPid();
    Awaitility.await("the actor's process exits once its handle is collected")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              System.gc();
              return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
            });
  }

  private static long anonymousCounterPid() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    return Prism.get(counter.task(Counter::pid).remote(), WAIT);
  }

  static int slowFive() throws InterruptedException {
    Thread.sleep(700);
    return 5;
  }

  static int failing() {
    throw new IllegalArgumentException("bad input");
  }

  @Test
  void callsWaitInOrderForArgumentsThatAreNotReadyAndFailWithTheirErrors() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    ObjectRef<Integer> five = Prism.task(ActorTest::slowFive).remote();
    ObjectRef<Integer> added = counter.task(Counter::add, five).remote();
    ObjectRef<Integer> after = counter.task(Counter::inc).remote();
    assertThat(Prism.get(added, WAIT)).isEqualTo(5);
    assertThat(Prism.get(after, WAIT)).as("the call behind waited for the one before").isEqualTo(6);
    ObjectRef<Integer> bad = Prism.task(ActorTest::failing).remote();
    assertThatThrownBy(() -> Prism.get(counter.task(Counter::add, bad).remote(), WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("bad input");
    assertThat(Prism.get(counter.task(Counter::get).remote(), WAIT)).isEqualTo(6);
    counter.kill();
  }

  @Test
  void aRunningCallCanBeCancelledAndTheActorGoesOn() throws Exception {
    ActorHandle<Sleeper> sleeper = Prism.actor(Sleeper::new).remote();
    long pid = Prism.get(sleeper.task(Sleeper::pid).remote(), WAIT);
    ObjectRef<String> slow = sleeper.task(Sleeper::sleep, 30_000L).remote();
    Thread.sleep(500);
    assertThat(Prism.cancel(slow)).isTrue();
    assertThatThrownBy(() -> Prism.get(slow, WAIT)).isInstanceOf(TaskCancelledException.class);
    // The interrupt went to that call only: the next ones run normally on the same process.
    assertThat(Prism.get(sleeper.task(Sleeper::sleep, 50L).remote(), WAIT)).isEqualTo("slept");
    assertThat(Prism.get(sleeper.task(Sleeper::pid).remote(), WAIT)).isEqualTo(pid);
    sleeper.kill();
  }

  @Test
  void aHandleHeldElsewhereKeepsTheActorAliveAfterTheCreatorDropsItsOwn() throws Exception {
    ActorHandle<Holder> holder =
        Prism.actor(Holder::new, Prism.actor(Counter::new).remote()).remote();
    assertThat(Prism.get(holder.task(Holder::incHeld).remote(), WAIT)).isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
    }
    assertThat(Prism.get(holder.task(Holder::incHeld).remote(), WAIT))
        .as("the counter lives while the holder has its handle")
        .isEqualTo(2);
    holder.kill();
  }

  @Test
  void misuseIsRefusedWithAClearMessage() {
    assertThatThrownBy(() -> Prism.actor(Counter::new).setMaxConcurrency(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max concurrency");
    assertThatThrownBy(() -> Prism.actor(Counter::new).setMaxPendingCalls(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max pending calls");
    assertThatThrownBy(() -> Prism.actor(Counter::new).setMaxRestarts(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max restarts");
    assertThatThrownBy(() -> Prism.actor(Counter::new).setResource("GPU", 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GPU");
    assertThatThrownBy(() -> Prism.getActor(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(Prism::exitActor)
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("outside an actor");
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    // A static method is not an actor method.
    assertThatThrownBy(() -> counter.task(ActorTest::staticHelper))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("instance method");
    assertThatThrownBy(() -> Prism.task(Counter::inc, new Counter()))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("actor");
    ActorHandle<Gathering> gathering = Prism.actor(Gathering::new, 1).remote();
    assertThatThrownBy(() -> gathering.task(Gathering::arrive))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("taskAsync");
    gathering.kill();
    counter.kill();
    ActorHandle<Sleeper> sleeper = Prism.actor(Sleeper::new).remote();
    ObjectRef<String> slow = sleeper.task(Sleeper::sleep, 3_000L).remote();
    assertThatThrownBy(() -> Prism.cancel(slow, true))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("force");
    assertThat(Prism.cancel(slow)).isTrue();
    assertThatThrownBy(() -> Prism.get(slow, WAIT)).isInstanceOf(TaskCancelledException.class);
    sleeper.kill();
  }

  static int staticHelper(Counter counter) {
    return counter.get();
  }
}
