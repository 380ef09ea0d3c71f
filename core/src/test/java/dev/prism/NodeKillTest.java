package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cli.NodeLauncher;
import dev.prism.runtime.cluster.EmbeddedCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process started like {@code prism start --address} is killed with kill -9 while tasks and
 * an actor run on it: every task result still arrives and is correct (retried on the survivor), and
 * the actor is restarted on the surviving node.
 */
@Timeout(240)
class NodeKillTest {

  private static final Duration WAIT = Duration.ofSeconds(120);

  static String slowSquare(int x) throws InterruptedException {
    Thread.sleep(300);
    return x * x + "@" + Prism.runtimeContext().nodeId();
  }

  @Test
  void tasksAndActorsSurviveTheKillOfTheirNode(@TempDir Path dir) throws Exception {
    EmbeddedCluster cluster =
        EmbeddedCluster.start(ClusterFixture.quickNodeLoss(), ClusterFixture.smallNode().build());
    long victimPid = -1;
    try {
      NodeLauncher.Started victim = ClusterFixture.launchNode(cluster.gcsAddress(), dir);
      victimPid = victim.record().pid();
      String victimNode = victim.record().nodeId();
      Awaitility.await("the head knows the new node")
          .atMost(WAIT)
          .until(() -> cluster.headNode().knownNodes() == 2);
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        String survivor = Prism.runtimeContext().nodeId();
        assertThat(survivor).isNotEqualTo(victimNode);
        SchedulingStrategy onVictim = SchedulingStrategy.nodeAffinity(victimNode, true);
        ActorHandle<ActorTest.Counter> counter =
            Prism.actor(ActorTest.Counter::new)
                .setMaxRestarts(2)
                .setSchedulingStrategy(onVictim)
                .remote();
        ActorHandle<MultiNodeSchedulingTest.Locator> locator =
            Prism.actor(MultiNodeSchedulingTest.Locator::new)
                .setMaxRestarts(2)
                .setSchedulingStrategy(onVictim)
                .remote();
        assertThat(Prism.get(locator.task(MultiNodeSchedulingTest.Locator::node).remote(), WAIT))
            .isEqualTo(victimNode);
        assertThat(Prism.get(counter.task(ActorTest.Counter::add, 10).remote(), WAIT))
            .isEqualTo(10);
        List<ObjectRef<String>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          results.add(
              Prism.task(NodeKillTest::slowSquare, i).setSchedulingStrategy(onVictim).remote());
        }
        Thread.sleep(1_000);
        ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
        List<String> got = Prism.get(results, WAIT);
        for (int i = 0; i < 20; i++) {
          assertThat(got.get(i)).startsWith(i * i + "@");
        }
        assertThat(got)
            .as("some ran on the survivor after the kill")
            .anyMatch(s -> s.endsWith("@" + survivor));
        Awaitility.await("the actor is restarted on the survivor")
            .atMost(WAIT)
            .ignoreExceptions()
            .until(
                () ->
                    survivor.equals(
                        Prism.get(
                            locator.task(MultiNodeSchedulingTest.Locator::node).remote(), WAIT)));
        // Restarted: its constructor ran again, state started over.
        assertThat(Prism.get(counter.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(1);
        counter.kill();
        locator.kill();
      } finally {
        Prism.shutdown();
      }
    } finally {
      if (victimPid > 0) {
        ProcessHandle.of(victimPid).ifPresent(ProcessHandle::destroyForcibly);
      }
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }
}
