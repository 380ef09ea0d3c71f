package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker chaos: thousands of short tasks while a chaos thread kills worker processes with kill -9.
 * Every result arrives and is right; side effects (marker files written by each run) prove that
 * tasks without retries ran to completion at most once, and retried ones at least once.
 */
@Timeout(240)
class WorkerChaosTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int TASKS = 10_000;
  private static final int WAVES = 200;
  private static final long WAVE_MILLIS = 25;
  private static final int KILLS = 10;

  /** More than any number of lease losses the kills can cause to one task. */
  private static final int RETRIES = 100;

  /** Names each run's marker files uniquely within a worker process. */
  private static final AtomicLong RUNS = new AtomicLong();

  /** Whether this worker process has said (with a file) that it runs tasks. */
  private static final java.util.concurrent.atomic.AtomicBoolean ANNOUNCED =
      new java.util.concurrent.atomic.AtomicBoolean();

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  static long expected(int i) {
    return i * 31L + 7;
  }

  /** Marks its start, computes, marks its completion just before returning. */
  static long work(int i, String dir) throws IOException {
    if (!ANNOUNCED.getAndSet(true)) {
      Files.createFile(Path.of(dir, "w-" + ProcessHandle.current().pid()));
    }
    String run = i + "-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    Files.createFile(Path.of(dir, "s-" + run));
    long value = expected(i);
    Files.createFile(Path.of(dir, "d-" + run));
    return value;
  }

  static boolean retriable(int i) {
    return i % 2 == 0;
  }

  @Test
  void everyResultArrivesAndNonRetriableTasksCompleteAtMostOnce(@TempDir Path dir)
      throws Exception {
    long started = System.nanoTime();
    List<ObjectRef<Long>> refs = new ArrayList<>(TASKS);
    int kills;
    try (Chaos.Monkey monkey =
        new Chaos.Monkey(
            "workers",
            KILLS,
            200,
            500,
            () ->
                Chaos.any(
                    Chaos.aliveWorkers().stream()
                        .filter(p -> Files.exists(dir.resolve("w-" + p.pid())))
                        .toList()))) {
      // Only workers that run tasks are killed (not ones still starting up), so each kill
      // takes tasks in flight with it.
      // Submitted at a steady pace (a wave every few milliseconds), so tasks are queued and
      // running on the workers all through the kills.
      for (int wave = 0; wave < WAVES; wave++) {
        for (int i = wave * (TASKS / WAVES); i < (wave + 1) * (TASKS / WAVES); i++) {
          refs.add(
              Prism.task(WorkerChaosTest::work, i, dir.toString())
                  .setMaxRetries(retriable(i) ? RETRIES : 0)
                  .remote());
        }
        Thread.sleep(WAVE_MILLIS);
      }
      Awaitility.await("the chaos thread makes its kills").atMost(WAIT).until(monkey::done);
      kills = monkey.kills();
    }
    int crashed = 0;
    int returnedAfterCrash = 0;
    List<Object> outcomes = new ArrayList<>(TASKS);
    for (int i = 0; i < TASKS; i++) {
      try {
        outcomes.add(Prism.get(refs.get(i), WAIT));
      } catch (WorkerCrashedException e) {
        outcomes.add(e);
      }
    }
    long wallMillis = (System.nanoTime() - started) / 1_000_000;
    Map<Integer, Integer> starts = count(dir, "s-");
    Map<Integer, Integer> done = count(dir, "d-");
    int duplicates = 0;
    int reruns = 0;
    for (int i = 0; i < TASKS; i++) {
      int completions = done.getOrDefault(i, 0);
      reruns += Math.max(0, starts.getOrDefault(i, 0) - 1);
      duplicates += Math.max(0, completions - 1);
      Object outcome = outcomes.get(i);
      if (retriable(i)) {
        assertThat(outcome).as("task %d (retriable)", i).isEqualTo(expected(i));
        assertThat(completions).as("completions of retriable task %d", i).isGreaterThan(0);
      } else if (outcome instanceof WorkerCrashedException e) {
        crashed++;
        assertThat(e).hasMessageContaining("no retries left");
        assertThat(completions).as("completions of crashed task %d", i).isLessThanOrEqualTo(1);
        returnedAfterCrash += completions;
      } else {
        assertThat(outcome).as("task %d (no retries)", i).isEqualTo(expected(i));
        assertThat(completions).as("completions of task %d (no retries)", i).isEqualTo(1);
      }
      if (!retriable(i) && starts.getOrDefault(i, 0) > 1) {
        fail("task %d has no retries but was started %d times", i, starts.get(i));
      }
    }
    System.out.printf(
        "worker chaos: %d tasks, %d kills, %d re-runs started, %d duplicate"
            + " completions, %d tasks without retries failed with the crash (%d of them had"
            + " completed), %d ms%n",
        TASKS, kills, reruns, duplicates, crashed, returnedAfterCrash, wallMillis);
    assertThat(kills).as("the chaos thread made its kills").isEqualTo(KILLS);
    assertThat(reruns + crashed).as("the kills hit running tasks").isPositive();
    // The cluster still works after the chaos.
    assertThat(Prism.get(Prism.task(WorkerChaosTest::expected, 5).remote(), WAIT))
        .isEqualTo(expected(5));
  }

  /** Marker files per task index, for the files named {@code prefix + index + "-..."}. */
  private static Map<Integer, Integer> count(Path dir, String prefix) throws IOException {
    Map<Integer, Integer> counts = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix))
          .forEach(
              n -> {
                int end = n.indexOf('-', prefix.length());
                counts.merge(Integer.parseInt(n.substring(prefix.length(), end)), 1, Integer::sum);
              });
    }
    return counts;
  }
}
