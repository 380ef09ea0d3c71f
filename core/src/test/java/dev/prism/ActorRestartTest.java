package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Actors whose processes are killed with kill -9: restarts, retries, and death for good. */
@Timeout(180)
class ActorRestartTest {

  private static final Duration WAIT = ActorTest.WAIT;

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  static void kill9(long pid) {
    Chaos.kill9(pid);
  }

  @Test
  void restartsAfterKill9WithFreshStateUpToMaxRestartsThenDies() {
    ActorHandle<ActorTest.Counter> counter =
        Prism.actor(ActorTest.Counter::new).setMaxRestarts(1).setMaxTaskRetries(1).remote();
    assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(1);
    assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(2);
    long first = Prism.get(counter.task(ActorTest.Counter::pid).remote(), WAIT);
    kill9(first);
    // A call made while the actor restarts waits for it; the constructor ran again.
    assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(1);
    long second = Prism.get(counter.task(ActorTest.Counter::pid).remote(), WAIT);
    assertThat(second).isNotEqualTo(first);
    kill9(second);
    assertThatThrownBy(() -> Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("no restarts left");
  }

  @Test
  void aCallRunningWhenTheProcessDiesFailsWithoutRetriesAndRunsAgainWithThem() {
    ActorHandle<ActorTest.Sleeper> noRetry =
        Prism.actor(ActorTest.Sleeper::new).setMaxRestarts(1).remote();
    long pid = Prism.get(noRetry.task(ActorTest.Sleeper::pid).remote(), WAIT);
    ObjectRef<String> running = noRetry.task(ActorTest.Sleeper::sleep, 60_000L).remote();
    sleepQuietly(500);
    kill9(pid);
    assertThatThrownBy(() -> Prism.get(running, WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("did not finish the call");
    assertThat(Prism.get(noRetry.task(ActorTest.Sleeper::pid).remote(), WAIT)).isNotEqualTo(pid);

    ActorHandle<ActorTest.Sleeper> retried =
        Prism.actor(ActorTest.Sleeper::new).setMaxRestarts(1).setMaxTaskRetries(1).remote();
    long before = Prism.get(retried.task(ActorTest.Sleeper::pid).remote(), WAIT);
    ObjectRef<String> again = retried.task(ActorTest.Sleeper::sleep, 2_000L).remote();
    sleepQuietly(500);
    kill9(before);
    assertThat(Prism.get(again, WAIT)).isEqualTo("slept");
    noRetry.kill();
    retried.kill();
  }

  /** Records the calls it ran, slowly. */
  public static final class SlowRecorder {
    private final java.util.List<Integer> seen = new java.util.ArrayList<>();

    public SlowRecorder() {}

    public void record(int i) throws InterruptedException {
      Thread.sleep(10);
      seen.add(i);
    }

    public java.util.List<Integer> seen() {
      return seen;
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }
  }

  @Test
  void callsRetriedAcrossARestartKeepTheirOrder() throws Exception {
    ActorHandle<SlowRecorder> recorder =
        Prism.actor(SlowRecorder::new).setMaxRestarts(1).setMaxTaskRetries(-1).remote();
    long pid = Prism.get(recorder.task(SlowRecorder::pid).remote(), WAIT);
    java.util.List<ObjectRef<Void>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(recorder.task(SlowRecorder::record, i).remote());
    }
    Thread.sleep(300);
    kill9(pid);
    Prism.get(calls, WAIT);
    java.util.List<Integer> seen = Prism.get(recorder.task(SlowRecorder::seen).remote(), WAIT);
    assertThat(seen)
        .as("the new instance ran a gapless, ordered tail of the calls")
        .isNotEmpty()
        .endsWith(99);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).isEqualTo(seen.get(i - 1) + 1);
    }
    assertThat(seen.get(0))
        .as("the restart happened while calls were running")
        .isLessThan(99)
        .isGreaterThan(0);
    recorder.kill();
  }

  @Test
  void killWithRestartRunsTheConstructorAgain() {
    ActorHandle<ActorTest.Counter> counter =
        Prism.actor(ActorTest.Counter::new).setMaxRestarts(2).remote();
    assertThat(Prism.get(counter.task(ActorTest.Counter::add, 41).remote(), WAIT)).isEqualTo(41);
    long pid = Prism.get(counter.task(ActorTest.Counter::pid).remote(), WAIT);
    Prism.kill(counter, false);
    Awaitility.await()
        .atMost(WAIT)
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(1);
    counter.kill();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
