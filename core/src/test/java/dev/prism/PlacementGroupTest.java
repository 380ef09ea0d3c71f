package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.rpc.PendingKind;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementGroupState;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Placement groups over two node managers on this machine (a third joins in the last test): the
 * four strategies, tasks and actors in bundles, removal, infeasible groups, bad input.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlacementGroupTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Map<String, Double> ONE_CPU = Map.of("CPU", 1.0);
  private static EmbeddedCluster cluster;
  private static NodeManager b;

  private static NodeConfig.Builder node() {
    return ClusterFixture.smallNode().objectStoreCapacity(64L << 20).prestartWorkers(0);
  }

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(node().build());
    b = cluster.addNode(node().build());
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

  /** Reports its node. */
  public static final class Locator {
    public Locator() {}

    public String node() {
      return Prism.runtimeContext().nodeId();
    }
  }

  private static PlacementGroup ready(List<Map<String, Double>> bundles, PlacementStrategy s) {
    PlacementGroup pg = PlacementGroups.create(bundles, s);
    assertThat(pg.waitUntilReady(WAIT)).as("ready: %s", pg).isTrue();
    assertThat(pg.state()).isEqualTo(PlacementGroup.State.CREATED);
    assertThat(pg.bundleNodeIds()).hasSize(bundles.size());
    return pg;
  }

  private static void removeAndAwaitFree(PlacementGroup pg) {
    PlacementGroups.remove(pg);
    assertThat(pg.state()).isEqualTo(PlacementGroup.State.REMOVED);
    Awaitility.await("resources come back")
        .atMost(WAIT)
        .until(
            () ->
                cluster.headNode().availableResources().get("CPU") == 2.0
                    && b.availableResources().get("CPU") == 2.0);
  }

  @Test
  @Order(1)
  void packPutsBundlesOnOneNodeWhenTheyFit() {
    PlacementGroup pg = ready(List.of(ONE_CPU, ONE_CPU), PlacementStrategy.PACK);
    assertThat(new HashSet<>(pg.bundleNodeIds())).hasSize(1);
    removeAndAwaitFree(pg);
  }

  @Test
  @Order(2)
  void spreadPutsBundlesOnDifferentNodes() {
    PlacementGroup pg = ready(List.of(ONE_CPU, ONE_CPU), PlacementStrategy.SPREAD);
    assertThat(new HashSet<>(pg.bundleNodeIds())).hasSize(2);
    removeAndAwaitFree(pg);
  }

  @Test
  @Order(3)
  void strictPackPutsAllOnOneNodeAndReservesThere() {
    PlacementGroup pg = ready(List.of(ONE_CPU, ONE_CPU), PlacementStrategy.STRICT_PACK);
    String n = pg.bundleNodeIds().get(0);
    assertThat(pg.bundleNodeIds()).containsOnly(n);
    NodeManager holder = n.equals(b.nodeId()) ? b : cluster.headNode();
    Awaitility.await("the node reports the reservation")
        .atMost(WAIT)
        .until(() -> holder.availableResources().get("CPU") == 0.0);
    removeAndAwaitFree(pg);
  }

  @Test
  @Order(4)
  void tasksAndActorsRunOnTheirBundlesNode() {
    PlacementGroup pg = ready(List.of(ONE_CPU, ONE_CPU), PlacementStrategy.STRICT_SPREAD);
    try {
      assertThat(new HashSet<>(pg.bundleNodeIds())).hasSize(2);
      for (int i = 0; i < 2; i++) {
        String where =
            Prism.get(
                Prism.task(PlacementGroupTest::whereAmI).setPlacementGroup(pg, i).remote(), WAIT);
        assertThat(where).as("task in bundle %d", i).isEqualTo(pg.bundleNodeIds().get(i));
        ActorHandle<Locator> a = Prism.actor(Locator::new).setPlacementGroup(pg, i).remote();
        assertThat(Prism.get(a.task(Locator::node).remote(), WAIT))
            .as("actor in bundle %d", i)
            .isEqualTo(pg.bundleNodeIds().get(i));
        Prism.kill(a);
      }
      String any =
          Prism.get(
              Prism.task(PlacementGroupTest::whereAmI)
                  .setSchedulingStrategy(SchedulingStrategy.placementGroup(pg))
                  .remote(),
              WAIT);
      assertThat(pg.bundleNodeIds()).contains(any);
    } finally {
      removeAndAwaitFree(pg);
    }
  }

  @Test
  @Order(5)
  void badInputIsRefused() {
    assertThatThrownBy(() -> PlacementGroups.create(List.of(), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one bundle");
    assertThatThrownBy(() -> PlacementGroups.create(List.of(Map.of()), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bundle 0 is empty");
    assertThatThrownBy(
            () -> PlacementGroups.create(List.of(Map.of("CPU", -1.0)), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CPU=-1.0");
    assertThatThrownBy(() -> PlacementGroups.create(List.of(ONE_CPU), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("strategy");
    PlacementGroup pg = ready(List.of(ONE_CPU), PlacementStrategy.PACK);
    try {
      assertThatThrownBy(() -> Prism.task(PlacementGroupTest::whereAmI).setPlacementGroup(pg, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bundle index 1 is out of range");
      assertThat(PlacementGroups.get(pg.id())).contains(pg);
    } finally {
      removeAndAwaitFree(pg);
    }
    assertThat(PlacementGroups.get(pg.id())).isEmpty();
  }

  @Test
  @Order(6)
  void namedGroupsAreFoundByName() {
    PlacementGroup pg =
        PlacementGroups.create("trainers", List.of(ONE_CPU), PlacementStrategy.PACK);
    try {
      assertThat(PlacementGroups.getByName("trainers")).contains(pg);
      assertThatThrownBy(
              () -> PlacementGroups.create("trainers", List.of(ONE_CPU), PlacementStrategy.PACK))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already exists");
      assertThat(pg.waitUntilReady(WAIT)).isTrue();
    } finally {
      removeAndAwaitFree(pg);
    }
    assertThat(PlacementGroups.getByName("trainers")).isEmpty();
  }

  @Test
  @Order(10)
  void infeasibleStrictSpreadStaysPendingUntilANodeJoins() {
    PlacementGroup pg =
        PlacementGroups.create(List.of(ONE_CPU, ONE_CPU, ONE_CPU), PlacementStrategy.STRICT_SPREAD);
    assertThat(pg.waitUntilReady(Duration.ofMillis(500))).isFalse();
    assertThat(pg.state()).isEqualTo(PlacementGroup.State.PENDING);
    assertThat(pg.pendingReason()).contains("infeasible").contains("STRICT_SPREAD");
    try (GcsClient gcs = GcsClient.connect(cluster.gcsAddress())) {
      assertThat(gcs.listPlacementGroups())
          .as("the GCS says what kind of wait it is, beside the text")
          .filteredOn(g -> g.getState() == PlacementGroupState.PG_PENDING)
          .extracting(PlacementGroupInfo::getPendingKind)
          .containsExactly(PendingKind.PENDING_INFEASIBLE);
    }
    NodeManager c = cluster.addNode(node().build());
    assertThat(pg.waitUntilReady(WAIT)).isTrue();
    assertThat(new HashSet<>(pg.bundleNodeIds()))
        .containsExactlyInAnyOrder(cluster.nodeId(), b.nodeId(), c.nodeId());
    PlacementGroups.remove(pg);
    Awaitility.await("resources come back on the new node")
        .atMost(WAIT)
        .until(() -> c.availableResources().get("CPU") == 2.0);
  }
}
