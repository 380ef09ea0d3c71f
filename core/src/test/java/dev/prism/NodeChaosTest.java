package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cli.NodeLauncher;
import dev.prism.runtime.cluster.EmbeddedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node chaos: a three-node cluster (the head and two node processes started like {@code prism start
 * --address}) loses one node process to kill -9 in the middle of a workload of tasks, a chain of
 * tasks whose intermediate results live only on that node, and actors placed there. Everything
 * completes with the right values: tasks are retried elsewhere, the lost intermediates are rebuilt
 * from lineage (recursively), the actors restart on survivors, and the dead node's workers do not
 * outlive it.
 */
@Timeout(300)
class NodeChaosTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int N = 200_000;

  /** 1.6 MB: stored in the store of the node that ran it. Logs where it ran. */
  static long[] scaled(long[] in, long factor, String log) throws java.io.IOException {
    Files.writeString(
        Path.of(log),
        Prism.runtimeContext().nodeId() + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long[] out = new long[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i] * factor;
    }
    return out;
  }

  @Test
  void aNodeKilledMidWorkloadLosesNoResultAndNoActor(@TempDir Path dir) throws Exception {
    long started = System.nanoTime();
    String firstLog = dir.resolve("first.txt").toString();
    String secondLog = dir.resolve("second.txt").toString();
    EmbeddedCluster cluster =
        EmbeddedCluster.start(ClusterFixture.quickNodeLoss(), ClusterFixture.smallNode().build());
    List<ProcessHandle> nodeProcesses = new ArrayList<>();
    try {
      NodeLauncher.Started victim = ClusterFixture.launchNode(cluster.gcsAddress(), dir);
      nodeProcesses.add(ProcessHandle.of(victim.record().pid()).orElseThrow());
      NodeLauncher.Started other = ClusterFixture.launchNode(cluster.gcsAddress(), dir);
      nodeProcesses.add(ProcessHandle.of(other.record().pid()).orElseThrow());
      String victimNode = victim.record().nodeId();
      Awaitility.await("the head knows three nodes")
          .atMost(WAIT)
          .until(() -> cluster.headNode().knownNodes() == 3);
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        SchedulingStrategy onVictim = SchedulingStrategy.nodeAffinity(victimNode, true);
        ActorHandle<ActorTest.Counter> counter =
            Prism.actor(ActorTest.Counter::new)
                .setMaxRestarts(2)
                .setSchedulingStrategy(onVictim)
                .remote();
        ActorHandle<MultiNodeSchedulingTest.Locator> locator =
            Prism.actor(MultiNodeSchedulingTest.Locator::new)
                .setMaxRestarts(2)
                .setMaxTaskRetries(-1)
                .setSchedulingStrategy(onVictim)
                .remote();
        assertThat(Prism.get(locator.task(MultiNodeSchedulingTest.Locator::node).remote(), WAIT))
            .isEqualTo(victimNode);
        assertThat(Prism.get(counter.task(ActorTest.Counter::add, 10).remote(), WAIT))
            .isEqualTo(10);

        // A chain whose results live only in the victim's store: first -> second.
        ObjectRef<long[]> first =
            Prism.task(NodeLossTest::makeArray, N, 7L, firstLog)
                .setSchedulingStrategy(onVictim)
                .remote();
        ObjectRef<long[]> second =
            Prism.task(NodeChaosTest::scaled, first, 3L, secondLog)
                .setSchedulingStrategy(onVictim)
                .remote();
        assertThat(Prism.wait(List.of(first, second), 2, WAIT).ready()).hasSize(2);

        // Tasks running when the node dies: on the victim, and anywhere.
        List<ObjectRef<String>> pinned = new ArrayList<>();
        List<ObjectRef<String>> anywhere = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          pinned.add(
              Prism.task(NodeKillTest::slowSquare, i).setSchedulingStrategy(onVictim).remote());
          anywhere.add(Prism.task(NodeKillTest::slowSquare, i).remote());
        }
        List<ObjectRef<Integer>> actorCalls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          actorCalls.add(counter.task(ActorTest.Counter::inc).remote());
        }
        Thread.sleep(1_000);
        ProcessHandle victimProcess = nodeProcesses.getFirst();
        List<ProcessHandle> victimWorkers = Chaos.aliveBelow(victimProcess);
        Chaos.kill9(victimProcess);

        // Needs the lost 'second', whose rebuild needs the lost 'first'.
        ObjectRef<Long> tail = Prism.task(NodeLossTest::lastOf, second).remote();
        assertThat(Prism.get(tail, WAIT)).isEqualTo(21L * (N - 1));
        List<String> got = Prism.get(pinned, WAIT);
        List<String> got2 = Prism.get(anywhere, WAIT);
        for (int i = 0; i < 20; i++) {
          assertThat(got.get(i)).startsWith(i * i + "@");
          assertThat(got2.get(i)).startsWith(i * i + "@");
        }
        assertThat(got)
            .as("pinned tasks finished on survivors after the kill")
            .anyMatch(s -> !s.endsWith("@" + victimNode));
        long[] rebuilt = Prism.get(first, WAIT);
        assertThat(rebuilt).hasSize(N);
        assertThat(rebuilt[N - 1]).isEqualTo(7L * (N - 1));
        assertThat(Files.readAllLines(Path.of(firstLog)))
            .as("where 'first' ran")
            .hasSize(2)
            .first()
            .isEqualTo(victimNode);
        assertThat(Files.readAllLines(Path.of(secondLog)))
            .as("where 'second' ran")
            .hasSize(2)
            .first()
            .isEqualTo(victimNode);
        assertThat(Files.readAllLines(Path.of(secondLog)).get(1)).isNotEqualTo(victimNode);

        // Calls made before the kill: each succeeded on the first instance or failed with
        // ActorDiedException (no task retries); the counter then restarts on a survivor.
        int calledOk = 0;
        for (ObjectRef<Integer> call : actorCalls) {
          try {
            assertThat(Prism.get(call, WAIT)).isEqualTo(11 + calledOk);
            calledOk++;
          } catch (ActorDiedException e) {
            assertThat(e).hasMessageContaining("did not finish the call");
          }
        }
        Awaitility.await("the actors restart on a survivor")
            .atMost(WAIT)
            .ignoreExceptions()
            .until(
                () ->
                    !victimNode.equals(
                        Prism.get(
                            locator.task(MultiNodeSchedulingTest.Locator::node).remote(), WAIT)));
        assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(1);

        Awaitility.await("the dead node's workers exit")
            .atMost(WAIT)
            .until(() -> victimWorkers.stream().noneMatch(ProcessHandle::isAlive));
        System.out.printf(
            "node chaos: %d worker(s) of the killed node exited, %d of 10 actor"
                + " calls finished before the kill, %d ms%n",
            victimWorkers.size(), calledOk, (System.nanoTime() - started) / 1_000_000);
        counter.kill();
        locator.kill();
      } finally {
        Prism.shutdown();
      }
    } finally {
      for (ProcessHandle p : nodeProcesses) {
        p.destroy(); // the survivor stops its workers and store on SIGTERM
      }
      for (ProcessHandle p : nodeProcesses) {
        p.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
    Awaitility.await("the node processes' shared memory is removed")
        .atMost(WAIT)
        .until(() -> nodeProcesses.stream().allMatch(p -> shmOf(p.pid()).isEmpty()));
  }

  private static List<String> shmOf(long pid) {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm)) {
      return List.of();
    }
    try (var files = Files.list(shm)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + pid + "-"))
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
