package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.WorkerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks that wait for the tasks they submit, on an embedded cluster of 2 CPUs: a task that waits
 * lends its CPU, and the tasks it waits for run on other threads of its worker JVM instead of each
 * level starting a new one. Checks the results, how many worker JVMs the whole tree used,
 * cancellation of a task that shares a JVM (plain and forced), and a worker that dies with several
 * tasks in it.
 */
@Timeout(300)
class NestedTasksTest {

  private static final Duration WAIT = Duration.ofSeconds(120);

  private static EmbeddedCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        EmbeddedCluster.start(
            ClusterFixture.smallNode()
                .prestartWorkers(2)
                .workerJvmOptions(
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1"))
                .build());
    Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
  }

  @AfterAll
  static void stop() {
    try {
      Prism.shutdown();
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    ClusterFixture.awaitNothingLeft();
  }

  /**
   * Waits until no worker holds a lease: a lease an earlier test's submitter still holds for a
   * while may take a child elsewhere, or free a CPU for it before its parent waits, and the child
   * then runs in another worker (right for the cluster, but not the case these tests are about).
   */
  private static void awaitNoLeases() {
    Awaitility.await("every lease of earlier tests returned")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.headNode().workers().stream()
                    .noneMatch(w -> w.state() == WorkerInfo.State.LEASED));
  }

  /** fib(n) by two nested tasks per level; each result carries the pids that computed it. */
  static long[] fib(int n) {
    if (n < 2) {
      return new long[] {n, ProcessHandle.current().pid()};
    }
    ObjectRef<long[]> a = Prism.task(NestedTasksTest::fib, n - 1).remote();
    ObjectRef<long[]> b = Prism.task(NestedTasksTest::fib, n - 2).remote();
    long[] x = Prism.get(a);
    long[] y = Prism.get(b);
    long[] out = new long[x.length + y.length];
    out[0] = x[0] + y[0];
    out[1] = ProcessHandle.current().pid();
    System.arraycopy(x, 1, out, 2, x.length - 1);
    System.arraycopy(y, 1, out, 1 + x.length, y.length - 1);
    return out;
  }

  /** Submits a chain {@code depth} levels deep; returns the pid of every level. */
  static ArrayList<Long> chain(int depth) {
    ArrayList<Long> pids =
        depth == 0
            ? new ArrayList<>()
            : Prism.get(Prism.task(NestedTasksTest::chain, depth - 1).remote());
    pids.add(ProcessHandle.current().pid());
    return pids;
  }

  @Test
  void fibTenRunsEveryLevelWithoutAJvmPerWaitingTask() {
    long[] r = Prism.get(Prism.task(NestedTasksTest::fib, 10).remote(), WAIT);
    assertThat(r[0]).isEqualTo(55);
    // 177 tasks: 88 of them wait for two others. A JVM per waiting level would start dozens.
    Set<Long> pids = new TreeSet<>();
    for (int i = 1; i < r.length; i++) {
      pids.add(r[i]);
    }
    assertThat(r.length - 1).isEqualTo(177);
    assertThat(pids).as("worker JVMs that ran fib(10)").hasSizeLessThanOrEqualTo(3);
  }

  @Test
  void aChainThirtyDeepNeitherDeadlocksNorStartsAJvmPerLevel() {
    List<Long> pids = Prism.get(Prism.task(NestedTasksTest::chain, 30).remote(), WAIT);
    assertThat(pids).hasSize(31);
    assertThat(new TreeSet<>(pids)).as("JVMs of a 31-level chain").hasSizeLessThanOrEqualTo(3);
  }

  @Test
  void manyWaitingTasksAtOnceAllFinish() {
    List<ObjectRef<long[]>> refs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      refs.add(Prism.task(NestedTasksTest::fib, 6).remote());
    }
    Set<Long> pids = new TreeSet<>();
    for (long[] r : Prism.get(refs, WAIT)) {
      assertThat(r[0]).isEqualTo(8);
      for (int i = 1; i < r.length; i++) {
        pids.add(r[i]);
      }
    }
    assertThat(pids).as("worker JVMs that ran 8 x fib(6)").hasSizeLessThanOrEqualTo(4);
  }

  // ------------------------------------------------------------------ cancellation in a shared JVM
  // The parents below take both CPUs, so their children run only once the parent waits, and
  // then in the parent's JVM (a child given a free CPU and an idle worker would run there).
  // Each child has a resource shape of its own, so that no lease its submitter still holds from
  // an earlier test (an idle lease lingers a little) can take it elsewhere.

  /** Records its pid, then sleeps (interruptibly) far longer than any test waits. */
  static String sleeper(String dir) throws IOException, InterruptedException {
    Files.writeString(Path.of(dir, "child-pid"), Long.toString(ProcessHandle.current().pid()));
    Thread.sleep(600_000);
    return "slept";
  }

  /** Records its pid, then spins ignoring interrupts (only killing the JVM stops it). */
  static String spinner(String dir) throws IOException {
    Files.writeString(Path.of(dir, "child-pid"), Long.toString(ProcessHandle.current().pid()));
    long x = 0;
    while (!Files.exists(Path.of(dir, "never"))) {
      x++;
    }
    return "spun " + x;
  }

  /**
   * Submits a child, waits until it runs (in this JVM, as this task waits), cancels it, and reports
   * how the child ended and whether it ran in this process.
   */
  static String cancelChild(String dir, boolean spin, boolean force) throws Exception {
    double cpus = spin ? 0.4 : force ? 0.6 : 0.75;
    ObjectRef<String> child =
        spin
            ? Prism.task(NestedTasksTest::spinner, dir)
                .setResource("CPU", cpus)
                .setMaxRetries(0)
                .remote()
            : Prism.task(NestedTasksTest::sleeper, dir)
                .setResource("CPU", cpus)
                .setMaxRetries(0)
                .remote();
    Path pidFile = Path.of(dir, "child-pid");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(pidFile) || Files.readString(pidFile).isEmpty()) {
      // waiting in wait() lends this task's CPU and lets the child run in this JVM
      Prism.wait(List.of(child), Duration.ofMillis(50));
      if (System.nanoTime() > deadline) {
        return "the child never started";
      }
    }
    boolean samePid = Long.parseLong(Files.readString(pidFile)) == ProcessHandle.current().pid();
    Prism.cancel(child, force);
    try {
      return "child returned " + Prism.get(child, Duration.ofSeconds(60));
    } catch (TaskCancelledException e) {
      return "cancelled, same jvm " + samePid;
    }
  }

  @Test
  void cancellingATaskThatSharesItsJvmInterruptsOnlyIt(@TempDir Path dir) {
    awaitNoLeases();
    String r =
        Prism.get(
            Prism.task(NestedTasksTest::cancelChild, dir.toString(), false, false)
                .setResource("CPU", 2.0)
                .setMaxRetries(0)
                .remote(),
            WAIT);
    assertThat(r).isEqualTo("cancelled, same jvm true");
  }

  @Test
  void forceCancellingATaskThatSharesItsJvmSparesTheOthersWhenItStopsOnItsInterrupt(
      @TempDir Path dir) {
    awaitNoLeases();
    String r =
        Prism.get(
            Prism.task(NestedTasksTest::cancelChild, dir.toString(), false, true)
                .setResource("CPU", 2.0)
                .setMaxRetries(0)
                .remote(),
            WAIT);
    assertThat(r).isEqualTo("cancelled, same jvm true");
  }

  @Test
  void forceCancellingATaskThatIgnoresItsInterruptEndsTheSharedJvm(@TempDir Path dir)
      throws Exception {
    awaitNoLeases();
    ObjectRef<String> parent =
        Prism.task(NestedTasksTest::cancelChild, dir.toString(), true, true)
            .setResource("CPU", 2.0)
            .setMaxRetries(0)
            .remote();
    assertThatThrownBy(() -> Prism.get(parent, WAIT)).isInstanceOf(WorkerCrashedException.class);
    long childPid = Long.parseLong(Files.readString(dir.resolve("child-pid")));
    assertThat(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    // the cluster goes on
    assertThat(Prism.get(Prism.task(NestedTasksTest::fib, 5).remote(), WAIT)[0]).isEqualTo(5);
  }

  // ------------------------------------------------------------------- death of a shared JVM

  /** Ends its JVM the first time (a marker file says so), returns 42 the next time. */
  static int dieOnce(String dir) throws IOException {
    Path marker = Path.of(dir, "died");
    if (!Files.exists(marker)) {
      Files.createFile(marker);
      Runtime.getRuntime().halt(3);
    }
    return 42;
  }

  /** Waits for a child that kills the JVM this task runs in (the first time). */
  static int parentOfDieOnce(String dir, double childCpus) {
    return Prism.get(
            Prism.task(NestedTasksTest::dieOnce, dir).setResource("CPU", childCpus).remote())
        + 1;
  }

  @Test
  void aSharedJvmThatDiesTakesItsTasksWithItAndTheyAreRetried(@TempDir Path dir) {
    awaitNoLeases();
    int r =
        Prism.get(
            Prism.task(NestedTasksTest::parentOfDieOnce, dir.toString(), 0.5)
                .setResource("CPU", 2.0)
                .setMaxRetries(1)
                .remote(),
            WAIT);
    assertThat(r).isEqualTo(43);
    assertThat(dir.resolve("died")).exists();
  }

  @Test
  void aParentWithoutRetriesFailsWhenItsSharedJvmDies(@TempDir Path dir) {
    awaitNoLeases();
    ObjectRef<Integer> parent =
        Prism.task(NestedTasksTest::parentOfDieOnce, dir.toString(), 0.25)
            .setResource("CPU", 2.0)
            .setMaxRetries(0)
            .remote();
    assertThatThrownBy(() -> Prism.get(parent, WAIT)).isInstanceOf(WorkerCrashedException.class);
  }
}
