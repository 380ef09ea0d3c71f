package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.cli.Cli;
import dev.prism.runtime.cli.CliException;
import dev.prism.runtime.cli.StartOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Label selectors and the {@code memory} resource on a {@link LocalCluster} whose second node is a
 * process started the way {@code prism start --labels ... --memory ...} starts one: tasks and
 * actors land on the nodes whose labels match (equals, {@code !}, {@code in}, {@code !in}, SPREAD,
 * the default node-id label), a selector no node matches, or one that conflicts with node affinity
 * or a placement group, is reported infeasible (and runs once a matching node joins), memory
 * demands go to the node that declares enough, and bad selectors, bad labels and bad memory amounts
 * are refused when they are set.
 */
@Timeout(300)
class LabelSchedulingTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final long GIB = 1L << 30;
  private static LocalCluster cluster;
  private static String west;
  private static String east;

  /** A small node: 1 CPU, a 64 MiB store, 128 MiB worker heaps. */
  private static NodeOptions.Builder small() {
    return NodeOptions.builder().cpus(1).objectStoreMemory(64L << 20).workerHeap(128L << 20);
  }

  @BeforeAll
  static void start() {
    cluster =
        LocalCluster.start(
            small().label("region", "us-west").label("zone", "a").memory(GIB).build());
    LocalCluster.Node b =
        cluster.addNode(
            small().label("region", "us-east").label("zone", "b").memory(4 * GIB).build());
    west = cluster.head().id();
    east = b.id();
    Prism.init(cluster.address());
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
    /** Creates it. */
    public Locator() {}

    /** Its node's id. */
    public String node() {
      return Prism.runtimeContext().nodeId();
    }
  }

  private static String runWith(Map<String, String> selector) {
    return Prism.get(
        Prism.task(LabelSchedulingTest::whereAmI).setLabelSelector(selector).remote(), WAIT);
  }

  private static String status() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            List.of("status", "--address", cluster.address()),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    assertThat(code).as("prism status exit code (%s)", err).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Asserts the task does not run within a few seconds, then cancels it. */
  private static void assertPending(ObjectRef<?> ref) {
    assertThatThrownBy(() -> Prism.get(ref, Duration.ofSeconds(3)))
        .isInstanceOf(GetTimeoutException.class);
  }

  @Test
  void nodesCarryTheirLabelsAndTheDefaultOnes() {
    Map<String, Map<String, String>> labels = new java.util.HashMap<>();
    Prism.nodes().stream().filter(NodeInfo::alive).forEach(n -> labels.put(n.nodeId(), n.labels()));
    assertThat(labels.get(west))
        .containsEntry("region", "us-west")
        .containsEntry("zone", "a")
        .containsEntry("prism.io/node-id", west)
        .doesNotContainKey("prism.io/accelerator-type");
    assertThat(labels.get(east))
        .containsEntry("region", "us-east")
        .containsEntry("prism.io/node-id", east);
  }

  @Test
  void tasksRunOnTheNodesTheirSelectorsMatch() {
    assertThat(runWith(Map.of("region", "us-east"))).isEqualTo(east);
    assertThat(runWith(Map.of("region", "us-west"))).isEqualTo(west);
    assertThat(runWith(Map.of("zone", "!a"))).isEqualTo(east);
    assertThat(runWith(Map.of("zone", "in(a, c)"))).isEqualTo(west);
    assertThat(runWith(Map.of("zone", "!in(a,c)", "region", "us-east"))).isEqualTo(east);
    assertThat(runWith(Map.of("prism.io/node-id", east))).isEqualTo(east);
    assertThat(runWith(Map.of("prism.io/node-id", "!" + east))).isEqualTo(west);

    List<ObjectRef<String>> spread = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      spread.add(
          Prism.task(LabelSchedulingTest::whereAmI)
              .setSchedulingStrategy(SchedulingStrategy.spread())
              .setLabelSelector(Map.of("region", "us-east"))
              .remote());
    }
    assertThat(Prism.get(spread, WAIT)).as("SPREAD keeps to matching nodes").containsOnly(east);
    assertThat(
            Prism.get(
                Prism.task(LabelSchedulingTest::whereAmI)
                    .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(west, true))
                    .setLabelSelector(Map.of("zone", "b"))
                    .remote(),
                WAIT))
        .as("soft affinity to a node that does not match falls back to one that does")
        .isEqualTo(east);
  }

  @Test
  void actorsAreCreatedOnTheNodesTheirSelectorsMatch() {
    ActorHandle<Locator> onEast =
        Prism.actor(Locator::new).setLabelSelector(Map.of("zone", "in(b,c)")).remote();
    ActorHandle<Locator> onWest =
        Prism.actor(Locator::new).setLabelSelector(Map.of("region", "!us-east")).remote();
    try {
      assertThat(Prism.get(onEast.task(Locator::node).remote(), WAIT)).isEqualTo(east);
      assertThat(Prism.get(onWest.task(Locator::node).remote(), WAIT)).isEqualTo(west);
    } finally {
      onEast.kill();
      onWest.kill();
    }
  }

  @Test
  void memoryDemandsGoToTheNodeThatDeclaresEnough() {
    assertThat(
            Prism.get(Prism.task(LabelSchedulingTest::whereAmI).setMemory(2 * GIB).remote(), WAIT))
        .isEqualTo(east);
    ActorHandle<Locator> big = Prism.actor(Locator::new).setMemory(3 * GIB).remote();
    try {
      assertThat(Prism.get(big.task(Locator::node).remote(), WAIT)).isEqualTo(east);
    } finally {
      big.kill();
    }
    ObjectRef<String> tooBig =
        Prism.task(LabelSchedulingTest::whereAmI).setMemory(64 * GIB).remote();
    assertPending(tooBig);
    Awaitility.await("prism status lists the 64 GiB demand as infeasible")
        .atMost(WAIT)
        .until(LabelSchedulingTest::status, s -> s.contains("memory needs 68719476736"));
    Prism.cancel(tooBig);
  }

  @Test
  void selectorsNoNodeMeetsAreInfeasibleUntilAMatchingNodeJoins() {
    ObjectRef<String> onMars =
        Prism.task(LabelSchedulingTest::whereAmI)
            .setLabelSelector(Map.of("region", "mars"))
            .remote();
    ObjectRef<String> conflicting =
        Prism.task(LabelSchedulingTest::whereAmI)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(west, false))
            .setLabelSelector(Map.of("region", "us-east"))
            .remote();
    assertPending(onMars);
    assertPending(conflicting);
    Awaitility.await("prism status lists both as infeasible, naming the selectors")
        .atMost(WAIT)
        .until(
            LabelSchedulingTest::status,
            s ->
                s.contains("on {region=mars}")
                    && s.contains("no node matches label selector")
                    && s.contains("conflicts with the label selector"));
    Prism.cancel(conflicting);

    LocalCluster.Node mars = cluster.addNode(small().label("region", "mars").build());
    try {
      assertThat(Prism.get(onMars, WAIT))
          .as("runs once a matching node joins")
          .isEqualTo(mars.id());
      Awaitility.await("prism status no longer lists the selector")
          .atMost(WAIT)
          .until(LabelSchedulingTest::status, s -> !s.contains("{region=mars}"));
    } finally {
      cluster.removeNode(mars);
    }
    ObjectRef<String> afterMarsLeft =
        Prism.task(LabelSchedulingTest::whereAmI)
            .setLabelSelector(Map.of("region", "mars"))
            .remote();
    assertPending(afterMarsLeft);
    Prism.cancel(afterMarsLeft);
  }

  @Test
  void aPlacementGroupOnANodeThatDoesNotMatchIsRefused() {
    PlacementGroup pg =
        PlacementGroups.create(List.of(Map.of("CPU", 0.5)), PlacementStrategy.STRICT_PACK);
    try {
      assertThat(pg.waitUntilReady(WAIT)).isTrue();
      String pgNode = pg.bundleNodeIds().getFirst();
      String other = pgNode.equals(west) ? "us-east" : "us-west";
      String same = pgNode.equals(west) ? "us-west" : "us-east";
      assertThat(
              Prism.get(
                  Prism.task(LabelSchedulingTest::whereAmI)
                      .setResource("CPU", 0.5)
                      .setPlacementGroup(pg, 0)
                      .setLabelSelector(Map.of("region", same))
                      .remote(),
                  WAIT))
          .isEqualTo(pgNode);
      ObjectRef<String> refused =
          Prism.task(LabelSchedulingTest::whereAmI)
              .setResource("CPU", 0.5)
              .setPlacementGroup(pg, 0)
              .setLabelSelector(Map.of("region", other))
              .remote();
      assertPending(refused);
      Prism.cancel(refused);
    } finally {
      PlacementGroups.remove(pg);
    }
  }

  @Test
  void badSelectorsLabelsAndMemoryAreRefusedWhenSet() {
    TaskCaller<String> task = Prism.task(LabelSchedulingTest::whereAmI);
    assertThatThrownBy(() -> task.setLabelSelector(Map.of("zone", "in(a,b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zone='in(a,b'")
        .hasMessageContaining("\"in(a,b)\"");
    assertThatThrownBy(() -> task.setLabelSelector(Map.of(" ", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key ' ' is blank");
    assertThatThrownBy(() -> Prism.actor(Locator::new).setLabelSelector(Map.of("zone", "a,b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value 'a,b'");
    assertThatThrownBy(() -> task.setMemory(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memory is -1 bytes");
    assertThatThrownBy(() -> task.setMemory(1L << 50))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("above the largest amount");
    assertThatThrownBy(() -> small().label("zone", "a,b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zone='a,b' cannot be matched by a label selector");
    assertThatThrownBy(() -> small().label("prism.io/node-id", "x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved prefix prism.io/");
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--labels", "prism.io/zone=a")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("reserved prefix prism.io/");
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--labels", "zone")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("is not KEY=VALUE");
    StartOptions ok =
        StartOptions.parse(
            List.of("--head", "--labels", "region=us-west,zone=a", "--memory", "2g"));
    assertThat(ok.labels()).isEqualTo(Map.of("region", "us-west", "zone", "a"));
    assertThat(ok.resources()).containsEntry("memory", (double) (2 * GIB));
  }
}
