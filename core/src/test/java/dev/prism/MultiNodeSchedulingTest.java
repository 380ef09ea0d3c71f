package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scheduling across two node managers on this machine (own ports, stores and resources): node
 * affinity, SPREAD, spillback to the node with a resource, and actors placed by strategy.
 */
@Timeout(180)
class MultiNodeSchedulingTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static EmbeddedCluster cluster;
  private static String nodeA;
  private static String nodeB;

  private static NodeConfig.Builder node() {
    return ClusterFixture.smallNode();
  }

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(node().build());
    NodeManager b = cluster.addNode(node().resource("only-b", 4).build());
    nodeA = cluster.nodeId();
    nodeB = b.nodeId();
    Awaitility.await("both nodes registered")
        .atMost(WAIT)
        .until(() -> cluster.gcs().nodes().stream().filter(n -> n.getAlive()).count() == 2);
    Awaitility.await("each node knows the other")
        .atMost(WAIT)
        .until(() -> cluster.headNode().knownNodes() == 2 && b.knownNodes() == 2);
    Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
  }

  @AfterAll
  static void stop() {
    try {
      Prism.shutdown();
    } finally {
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }

  static String whereAmI() {
    return Prism.runtimeContext().nodeId();
  }

  static String slowWhere() throws InterruptedException {
    Thread.sleep(400);
    return Prism.runtimeContext().nodeId();
  }

  /** Reports its node. */
  public static final class Locator {
    public Locator() {}

    public String node() {
      return Prism.runtimeContext().nodeId();
    }
  }

  @Test
  void nodeAffinityRunsTasksOnTheChosenNode() {
    for (String target : List.of(nodeA, nodeB)) {
      List<ObjectRef<String>> refs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        refs.add(
            Prism.task(MultiNodeSchedulingTest::whereAmI)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(target, false))
                .remote());
      }
      assertThat(Prism.get(refs, WAIT)).containsOnly(target);
    }
  }

  static String never() {
    return "ran";
  }

  @Test
  void hardAffinityToAnUnknownNodeIsReportedNotRunElsewhere() {
    ObjectRef<String> ref =
        Prism.task(MultiNodeSchedulingTest::never)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity("no-such-node", false))
            .remote();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Prism.get(ref, Duration.ofSeconds(3)))
        .isInstanceOf(GetTimeoutException.class);
    Prism.cancel(ref);
  }

  @Test
  void softAffinityToAnUnknownNodeRunsElsewhere() {
    String where =
        Prism.get(
            Prism.task(MultiNodeSchedulingTest::whereAmI)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity("no-such-node", true))
                .remote(),
            WAIT);
    assertThat(where).isIn(nodeA, nodeB);
  }

  @Test
  void spreadUsesBothNodes() throws InterruptedException {
    // Node managers see each other's free resources as of their last report (every second):
    // wait until the GCS sees both nodes idle after the other tests' work, then one more
    // report period so each node manager's own view has it too.
    Awaitility.await("both nodes idle")
        .atMost(WAIT)
        .until(
            () ->
                cluster.gcs().nodes().stream()
                    .filter(n -> n.getAlive())
                    .allMatch(
                        n ->
                            n.getAvailable().getAmountsOrDefault("CPU", 0)
                                == n.getTotal().getAmountsOrDefault("CPU", -1)));
    Thread.sleep(1_500);
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      refs.add(
          Prism.task(MultiNodeSchedulingTest::slowWhere)
              .setSchedulingStrategy(SchedulingStrategy.spread())
              .remote());
    }
    List<String> got = Prism.get(refs, WAIT);
    Set<String> nodes = new HashSet<>(got);
    assertThat(nodes).containsExactlyInAnyOrder(nodeA, nodeB);
  }

  @Test
  void aResourceOnlyOneNodeHasSpillsTheTaskThere() {
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      refs.add(Prism.task(MultiNodeSchedulingTest::whereAmI).setResource("only-b", 1).remote());
    }
    assertThat(Prism.get(refs, WAIT)).containsOnly(nodeB);
  }

  @Test
  void actorsArePlacedByStrategyAndResources() {
    ActorHandle<Locator> onB =
        Prism.actor(Locator::new)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(nodeB, false))
            .remote();
    ActorHandle<Locator> onA =
        Prism.actor(Locator::new)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(nodeA, false))
            .remote();
    ActorHandle<Locator> needsB = Prism.actor(Locator::new).setResource("only-b", 1).remote();
    assertThat(Prism.get(onB.task(Locator::node).remote(), WAIT)).isEqualTo(nodeB);
    assertThat(Prism.get(onA.task(Locator::node).remote(), WAIT)).isEqualTo(nodeA);
    assertThat(Prism.get(needsB.task(Locator::node).remote(), WAIT)).isEqualTo(nodeB);
    onA.kill();
    onB.kill();
    needsB.kill();
  }
}
