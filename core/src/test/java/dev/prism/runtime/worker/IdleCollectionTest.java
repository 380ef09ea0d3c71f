package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdleCollectionTest {

  private static final long POLL = 200_000_000L;
  private static final long QUIET = IdleCollection.ACTIVE_QUIET_NANOS;

  @Test
  void anIdleWorkerCollectsOncePerIdleSpell() {
    IdleCollection idle = new IdleCollection();
    long t = 0;
    assertThat(idle.afterIdlePoll(5, false, 7, false, t += POLL)).isFalse(); // first look
    assertThat(idle.afterIdlePoll(5, false, 7, false, t += POLL)).isTrue(); // a quiet poll
    assertThat(idle.afterIdlePoll(5, false, 7, true, t += POLL)).isFalse(); // collected already
    assertThat(idle.afterIdlePoll(5, false, 7, false, t += POLL)).isFalse();
    // A task runs: a new spell, one more collection once it is quiet again and the last one is
    // long enough ago.
    t += IdleCollection.MIN_INTERVAL_NANOS;
    assertThat(idle.afterIdlePoll(6, false, 9, false, t += POLL)).isFalse();
    assertThat(idle.afterIdlePoll(6, false, 9, false, t += POLL)).isTrue();
  }

  @Test
  void aWorkerThatIdlesOftenIsNotStoppedForACollectionEachTime() {
    IdleCollection idle = new IdleCollection();
    long t = 0;
    long tasks = 0;
    int forced = 0;
    long length = 20_000_000L; // each forced collection takes 20 ms
    long start = t;
    // A call every 600 ms, idle in between: 50 idle spells in 30 s.
    while (t - start < 30_000_000_000L) {
      tasks++;
      for (int poll = 0; poll < 3; poll++) {
        if (idle.afterIdlePoll(tasks, false, tasks, false, t += POLL)) {
          forced++;
          idle.forcedCollectionTook(length);
        }
      }
    }
    // At most once per max(2 s, 200 x 20 ms = 4 s): 8 times in 30 s, not 50.
    assertThat(forced).isBetween(6, 8);
  }

  @Test
  void neverWhileATaskRuns() {
    IdleCollection idle = new IdleCollection();
    long t = 0;
    for (int i = 0; i < 200; i++) {
      assertThat(idle.afterIdlePoll(5, true, 7, false, t += POLL)).isFalse();
    }
  }

  @Test
  void aProcessBusyOnItsOwnThreadsIsLeftToItsOwnCollections() {
    IdleCollection idle = new IdleCollection();
    long t = 0;
    long refs = 0;
    // Refs keep coming (an actor serving HTTP) and the JVM collects by itself: never forced.
    for (int i = 0; i < 500; i++) {
      assertThat(idle.afterIdlePoll(5, false, refs += 1000, i % 3 == 0, t += POLL)).isFalse();
    }
  }

  @Test
  void aSlowlyActiveProcessThatNeverCollectsIsCollectedEveryQuietPeriod() {
    IdleCollection idle = new IdleCollection();
    long t = 0;
    long refs = 0;
    int forced = 0;
    long start = t;
    // Refs come slowly and the JVM never collects by itself (a forced collection counts as one).
    boolean gcRan = false;
    while (t - start < 5 * QUIET) {
      boolean go = idle.afterIdlePoll(5, false, refs += 2, gcRan, t += POLL);
      gcRan = go;
      if (go) {
        forced++;
      }
    }
    assertThat(forced).isBetween(4, 5);
  }
}
