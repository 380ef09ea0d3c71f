package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.WorkerInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.scheduler.ResourceSet;
import dev.prism.store.StoreStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver in its own JVM, attached to a two-node cluster, is killed with kill -9 while its tasks
 * run on both nodes (one of them holding a lease of its own on the other node): the cluster cleans
 * up after it (its leased workers, the nested task's and its owned actor are gone, every lease is
 * returned, the objects it owned are deleted from both stores) and its detached actor still
 * answers.
 */
@Timeout(300)
class DriverDeathTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String NAMESPACE = "driver-death";

  /** Marks that it runs (a file named by its pid in {@code dir}), then sleeps until killed. */
  static int sleepUntilKilled(String dir) throws Exception {
    Files.writeString(Path.of(dir, "sleeper-" + ProcessHandle.current().pid()), "");
    Thread.sleep(600_000);
    return 0;
  }

  /** Runs a sleeper on {@code node} (so its lease is held by this worker) and waits for it. */
  static int nested(String node, String dir) {
    return Prism.get(
        Prism.task(DriverDeathTest::sleepUntilKilled, dir)
            .setResource("CPU", 1.0)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node, false))
            .remote());
  }

  static byte[] bytes(int size) {
    return new byte[size];
  }

  /** The driver that gets killed: args are the GCS address, the two node ids and a directory. */
  public static final class DyingDriver {
    public static void main(String[] args) throws Exception {
      Prism.init(PrismConfig.builder().address(args[0]).namespace(NAMESPACE).build());
      String head = args[1];
      String other = args[2];
      String dir = args[3];
      List<ObjectRef<byte[]>> held = new ArrayList<>();
      for (String node : List.of(head, other)) {
        for (int i = 0; i < 2; i++) {
          held.add(
              Prism.task(DriverDeathTest::bytes, 2 << 20)
                  .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node, false))
                  .remote());
        }
      }
      Prism.wait(held, held.size(), WAIT);
      for (int i = 0; i < 3; i++) {
        held.add(Prism.put(new byte[1 << 20]));
      }
      ActorHandle<ActorTest.Counter> detached =
          Prism.actor(ActorTest.Counter::new)
              .setName("survivor")
              .setLifetime(ActorLifetime.DETACHED)
              .setResource("CPU", 1.0)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(head, false))
              .remote();
      ActorHandle<ActorTest.Counter> owned =
          Prism.actor(ActorTest.Counter::new)
              .setName("owned")
              .setResource("CPU", 1.0)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(other, false))
              .remote();
      Prism.get(detached.task(ActorTest.Counter::add, 5).remote(), WAIT);
      System.out.println(
          "detached-pid " + Prism.get(detached.task(ActorTest.Counter::pid).remote(), WAIT));
      System.out.println(
          "owned-pid " + Prism.get(owned.task(ActorTest.Counter::pid).remote(), WAIT));
      // A task on the head that leases a worker on the other node itself (nested), waiting on
      // it (its CPU is lent meanwhile), then one sleeper leased by this driver on each node.
      List<ObjectRef<Integer>> sleepers = new ArrayList<>();
      sleepers.add(
          Prism.task(DriverDeathTest::nested, other, dir)
              .setResource("CPU", 1.0)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(head, false))
              .remote());
      awaitSleepers(dir, 1);
      for (String node : List.of(head, other)) {
        sleepers.add(
            Prism.task(DriverDeathTest::sleepUntilKilled, dir)
                .setResource("CPU", 1.0)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node, false))
                .remote());
      }
      awaitSleepers(dir, 3);
      System.out.println("ready " + held.size() + " " + sleepers.size());
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  private static void awaitSleepers(String dir, int count) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (sleeperPids(Path.of(dir)).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  static List<Long> sleeperPids(Path dir) throws java.io.IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("sleeper-"))
          .map(n -> Long.parseLong(n.substring("sleeper-".length())))
          .toList();
    }
  }

  private static long pidFrom(String output, String key) {
    return Long.parseLong(
        output
            .lines()
            .filter(l -> l.startsWith(key + " "))
            .findFirst()
            .orElseThrow()
            .substring(key.length() + 1)
            .trim());
  }

  private static boolean dead(long pid) {
    return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }

  @Test
  void aKilledDriverLeavesNothingBehindButItsDetachedActor(@TempDir Path dir) throws Exception {
    EmbeddedCluster cluster =
        EmbeddedCluster.start(
            GcsConfig.builder()
                .nodeTimeout(Duration.ofSeconds(5))
                .healthCheckPeriod(Duration.ofMillis(500))
                .build(),
            ClusterFixture.smallNode().build());
    Process driver = null;
    try {
      NodeManager head = cluster.headNode();
      NodeManager other = cluster.addNode(ClusterFixture.smallNode().numCpus(3).build());
      List<NodeManager> nodes = List.of(head, other);
      Awaitility.await("each node knows the other")
          .atMost(WAIT)
          .until(() -> head.knownNodes() == 2 && other.knownNodes() == 2);
      Map<NodeManager, StoreStats> baseline =
          Map.of(head, head.store().stats(), other, other.store().stats());

      Path log = dir.resolve("driver.log");
      Path marks = Files.createDirectory(dir.resolve("marks"));
      ProcessBuilder launch =
          new ProcessBuilder(
                  ClusterFixture.javaCommand(
                      DyingDriver.class,
                      cluster.gcsAddress(),
                      head.nodeId(),
                      other.nodeId(),
                      marks.toString()))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      launch.environment().put(ClusterToken.ENV, cluster.token().secret());
      driver = launch.start();
      Process started = driver;
      Awaitility.await("the driver's work runs on both nodes")
          .atMost(WAIT)
          .until(() -> Files.readString(log).contains("ready ") || !started.isAlive());
      String output = Files.readString(log);
      assertThat(output).as("the driver's output").contains("ready ");
      long detachedPid = pidFrom(output, "detached-pid");
      long ownedPid = pidFrom(output, "owned-pid");
      List<Long> sleepers = sleeperPids(marks);
      assertThat(sleepers).as("sleepers running").hasSize(3);
      for (NodeManager n : nodes) {
        assertThat(n.availableResources().get("CPU")).as("CPUs in use on %s", n.nodeId()).isZero();
        assertThat(n.store().stats().objectCount())
            .as("objects of the driver on %s", n.nodeId())
            .isGreaterThan(baseline.get(n).objectCount());
      }

      driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      Awaitility.await("the driver's leased workers and owned actor are gone")
          .atMost(WAIT)
          .until(() -> dead(ownedPid) && sleepers.stream().allMatch(DriverDeathTest::dead));
      ResourceSet actorCpu = ResourceSet.of("CPU", 1.0);
      Awaitility.await("every lease is back but the detached actor's")
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(head.availableResources())
                    .isEqualTo(head.totalResources().minus(actorCpu));
                assertThat(other.availableResources()).isEqualTo(other.totalResources());
              });
      Awaitility.await("the driver's objects are deleted from both stores")
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                for (NodeManager n : nodes) {
                  StoreStats now = n.store().stats();
                  assertThat(now.objectCount())
                      .as("objects on %s (%s)", n.nodeId(), now)
                      .isEqualTo(baseline.get(n).objectCount());
                  assertThat(now.usedBytes() + now.spilledBytes())
                      .as("bytes on %s", n.nodeId())
                      .isEqualTo(baseline.get(n).usedBytes() + baseline.get(n).spilledBytes());
                }
              });
      for (NodeManager n : nodes) {
        assertThat(n.workers())
            .as("workers leased on %s", n.nodeId())
            .filteredOn(w -> w.state() == WorkerInfo.State.LEASED)
            .extracting(WorkerInfo::pid)
            .allMatch(pid -> pid == detachedPid);
      }
      assertThat(dead(detachedPid)).as("the detached actor's process is dead").isFalse();

      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).namespace(NAMESPACE).build());
      try {
        ActorHandle<ActorTest.Counter> survivor =
            Prism.<ActorTest.Counter>getActor("survivor").orElseThrow();
        assertThat(Prism.get(survivor.task(ActorTest.Counter::inc).remote(), WAIT))
            .as("the detached actor answers, its state intact")
            .isEqualTo(6);
        assertThat(Prism.getActor("owned")).as("the owned actor").isEmpty();
        survivor.kill();
      } finally {
        Prism.shutdown();
      }
    } finally {
      if (driver != null) {
        driver.destroyForcibly();
      }
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }
}
