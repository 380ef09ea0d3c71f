package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.function.PrismFunc0;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every error path of tasks: exceptions, crashes, retries, timeouts, cancel, bad input. */
@Timeout(120)
class TaskErrorTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  static int fails(String why) throws IOException {
    throw new IOException(why);
  }

  @Test
  void anExceptionArrivesAsTaskExceptionWithTheRemoteCauseAndStack() {
    ObjectRef<Integer> ref = Prism.task(TaskErrorTest::fails, "disk on fire").remote();
    assertThatThrownBy(() -> Prism.get(ref, WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("TaskErrorTest.fails failed with java.io.IOException: disk on fire")
        .hasMessageContaining("Remote stack trace")
        .hasMessageContaining("at dev.prism.TaskErrorTest.fails")
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("disk on fire");
  }

  @Test
  void aFailedDependencyFailsTheTasksThatNeedIt() {
    ObjectRef<Integer> bad = Prism.task(TaskErrorTest::fails, "upstream").remote();
    ObjectRef<Integer> downstream = Prism.task(TaskErrorTest::plusOne, bad).remote();
    assertThatThrownBy(() -> Prism.get(downstream, WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("upstream");
  }

  static int plusOne(int x) {
    return x + 1;
  }

  /** Dies the first {@code deaths} times (counted in files), then returns 42. */
  static int dieThenSucceed(String marker, int deaths, String how) throws IOException {
    Path base = Path.of(marker);
    int attempt = 0;
    while (Files.exists(base.resolveSibling(base.getFileName() + "." + attempt))) {
      attempt++;
    }
    Files.createFile(base.resolveSibling(base.getFileName() + "." + attempt));
    if (attempt < deaths) {
      switch (how) {
        case "exit" -> System.exit(3);
        case "halt" -> Runtime.getRuntime().halt(4);
        case "kill" ->
            new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).start();
        default -> throw new IllegalArgumentException(how);
      }
      try {
        Thread.sleep(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 42;
  }

  static long attempts(Path marker) {
    try (var files = Files.list(marker.getParent())) {
      return files
          .filter(p -> p.getFileName().toString().startsWith(marker.getFileName() + "."))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aWorkerThatDiesIsRetriedUntilTheTaskSucceeds() {
    for (String how : List.of("exit", "halt", "kill")) {
      Path marker = dir.resolve("retry-" + how);
      ObjectRef<Integer> ref =
          Prism.task(TaskErrorTest::dieThenSucceed, marker.toString(), 2, how).remote();
      assertThat(Prism.get(ref, WAIT)).as(how).isEqualTo(42);
      assertThat(attempts(marker)).as(how).isEqualTo(3);
    }
  }

  @Test
  void aWorkerThatKeepsDyingEndsInWorkerCrashedException() {
    Path marker = dir.resolve("crash");
    ObjectRef<Integer> ref =
        Prism.task(TaskErrorTest::dieThenSucceed, marker.toString(), 10, "halt")
            .setMaxRetries(1)
            .remote();
    assertThatThrownBy(() -> Prism.get(ref, WAIT))
        .isInstanceOf(WorkerCrashedException.class)
        .hasMessageContaining("no retries left");
    assertThat(attempts(marker)).isEqualTo(2);
  }

  static int throwUntilThird(String marker) throws IOException {
    Path base = Path.of(marker);
    int attempt = 0;
    while (Files.exists(base.resolveSibling(base.getFileName() + "." + attempt))) {
      attempt++;
    }
    Files.createFile(base.resolveSibling(base.getFileName() + "." + attempt));
    if (attempt < 2) {
      throw new IllegalStateException("attempt " + attempt);
    }
    return attempt;
  }

  @Test
  void exceptionsAreRetriedOnlyWhenAskedTo() {
    Path once = dir.resolve("no-retry");
    assertThatThrownBy(
            () ->
                Prism.get(
                    Prism.task(TaskErrorTest::throwUntilThird, once.toString()).remote(), WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("attempt 0");
    assertThat(attempts(once)).isEqualTo(1);
    Path retried = dir.resolve("retry-exceptions");
    assertThat(
            Prism.get(
                Prism.task(TaskErrorTest::throwUntilThird, retried.toString())
                    .setRetryExceptions(true)
                    .remote(),
                WAIT))
        .isEqualTo(2);
  }

  static int sleepMillis(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return 1;
  }

  @Test
  void getWithATimeoutThrowsGetTimeoutException() {
    ObjectRef<Integer> slow = Prism.task(TaskErrorTest::sleepMillis, 3_000L).remote();
    assertThatThrownBy(() -> Prism.get(slow, Duration.ofMillis(100)))
        .isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining("PT0.1S");
    assertThat(Prism.get(slow, WAIT)).isEqualTo(1);
  }

  @Test
  void cancelInterruptsARunningTaskAndDropsQueuedOnes() {
    ObjectRef<Integer> running = Prism.task(TaskErrorTest::sleepMillis, 60_000L).remote();
    ObjectRef<Integer> running2 = Prism.task(TaskErrorTest::sleepMillis, 60_000L).remote();
    // Both CPUs are busy: this one waits in the queue.
    ObjectRef<Integer> queued = Prism.task(TaskErrorTest::sleepMillis, 60_000L).remote();
    sleepQuietly(1_000);
    assertThat(Prism.cancel(queued)).isTrue();
    assertThat(Prism.cancel(running)).isTrue();
    assertThat(Prism.cancel(running2)).isTrue();
    for (ObjectRef<Integer> ref : List.of(queued, running, running2)) {
      assertThatThrownBy(() -> Prism.get(ref, Duration.ofSeconds(20)))
          .isInstanceOf(TaskCancelledException.class)
          .hasMessageContaining("cancelled");
    }
    // The workers are free again.
    assertThat(Prism.get(Prism.task(TaskErrorTest::plusOne, 1).remote(), WAIT)).isEqualTo(2);
  }

  /** Appends {@code line} to {@code file}, ignoring errors (a helper of remote methods). */
  static void note(String file, String line) {
    try {
      java.nio.file.Files.writeString(
          java.nio.file.Path.of(file),
          line + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Notes that it started, then sleeps {@code ms}; notes how it ended. */
  static int child(String file, long ms) {
    note(file, "child started");
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      note(file, "child interrupted");
      throw new IllegalStateException("interrupted", e);
    }
    note(file, "child done");
    return 1;
  }

  /** Submits {@link #child} and waits for it. */
  static int parent(String file, long childMs) {
    return Prism.get(Prism.task(TaskErrorTest::child, file, childMs).remote()) + 1;
  }

  static List<String> lines(java.nio.file.Path file) throws java.io.IOException {
    return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : List.of();
  }

  @Test
  void cancelAlsoCancelsWhatTheTaskSubmittedUnlessNotRecursive(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    // Warm workers, so the child may run in another worker than its parent.
    Prism.get(
        List.of(
            Prism.task(TaskErrorTest::sleepMillis, 300L).remote(),
            Prism.task(TaskErrorTest::sleepMillis, 300L).remote(),
            Prism.task(TaskErrorTest::sleepMillis, 300L).remote()),
        WAIT);
    java.nio.file.Path recursive = dir.resolve("recursive.txt");
    ObjectRef<Integer> a =
        Prism.task(TaskErrorTest::parent, recursive.toString(), 60_000L).remote();
    org.awaitility.Awaitility.await("the child runs")
        .atMost(WAIT)
        .until(() -> lines(recursive).contains("child started"));
    assertThat(Prism.cancel(a)).isTrue();
    assertThatThrownBy(() -> Prism.get(a, WAIT)).isInstanceOf(TaskCancelledException.class);
    org.awaitility.Awaitility.await("the child is cancelled with its parent")
        .atMost(WAIT)
        .until(() -> lines(recursive).contains("child interrupted"));

    java.nio.file.Path alone = dir.resolve("alone.txt");
    ObjectRef<Integer> b = Prism.task(TaskErrorTest::parent, alone.toString(), 3_000L).remote();
    org.awaitility.Awaitility.await("the child runs")
        .atMost(WAIT)
        .until(() -> lines(alone).contains("child started"));
    assertThat(Prism.cancel(b, false, false)).isTrue();
    assertThatThrownBy(() -> Prism.get(b, WAIT)).isInstanceOf(TaskCancelledException.class);
    org.awaitility.Awaitility.await("the child runs on to its end")
        .atMost(WAIT)
        .until(() -> lines(alone).contains("child done"));
    assertThat(lines(alone)).doesNotContain("child interrupted");
  }

  /** A class whose static initializer fails: it can be named, but never run anywhere. */
  static final class BrokenOnLoad {
    static final int VALUE = Integer.parseInt("not a number");

    static int run() {
      return VALUE;
    }
  }

  @Test
  void aTaskWhoseClassCannotBeInitializedFailsClearlyAndTheWorkerKeepsServing() {
    ObjectRef<Integer> broken = Prism.task(BrokenOnLoad::run).remote();
    assertThatThrownBy(() -> Prism.get(broken, WAIT))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("BrokenOnLoad.run could not run")
        .hasMessageContaining("ExceptionInInitializerError");
    for (int i = 0; i < 4; i++) {
      assertThat(Prism.get(Prism.task(TaskErrorTest::plusOne, i).remote(), WAIT)).isEqualTo(i + 1);
    }
  }

  /** Not serializable by design: a thread. */
  record HoldsAThread(Thread thread) {}

  static int takesAnything(Object o) {
    return 0;
  }

  @Test
  void anUnserializableArgumentFailsAtRemoteNamingTheType() {
    assertThatThrownBy(
            () ->
                Prism.task(TaskErrorTest::takesAnything, new HoldsAThread(new Thread(() -> {})))
                    .remote())
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("HoldsAThread");
    assertThatThrownBy(() -> Prism.put(new HoldsAThread(new Thread(() -> {}))))
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("HoldsAThread");
  }

  static int overloaded(int x) {
    return x;
  }

  static int overloaded(String x) {
    return 0;
  }

  int instanceMethod() {
    return 1;
  }

  @Test
  void lambdasOverloadsAndInstanceMethodsAreRefusedAtSubmit() {
    int captured = 3;
    assertThatThrownBy(() -> Prism.task((PrismFunc0<Integer>) () -> captured).remote())
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("lambda");
    assertThatThrownBy(
            () ->
                Prism.task(
                        (dev.prism.function.PrismFunc1<Integer, Integer>) TaskErrorTest::overloaded,
                        1)
                    .remote())
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("overloaded");
    assertThatThrownBy(() -> Prism.task(TaskErrorTest::instanceMethod, this).remote())
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("instance method");
  }

  @Test
  void badResourceAmountsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Prism.task(TaskErrorTest::plusOne, 1).setResource("GPU", 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> Prism.task(TaskErrorTest::plusOne, 1).setResource("CPU", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> Prism.task(TaskErrorTest::plusOne, 1).setMaxRetries(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-2");
  }

  @Test
  void anInfeasibleTaskStaysPendingWithAWarningInsteadOfFailing() {
    ObjectRef<Integer> ref = Prism.task(TaskErrorTest::plusOne, 1).setResource("CPU", 64).remote();
    assertThatThrownBy(() -> Prism.get(ref, Duration.ofSeconds(2)))
        .isInstanceOf(GetTimeoutException.class);
    assertThat(Prism.cancel(ref)).isTrue();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
