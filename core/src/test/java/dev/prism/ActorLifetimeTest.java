package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.security.ClusterToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actor lifetimes across drivers: a cluster that outlives a driver (started here), a driver in its
 * own JVM that creates a detached and an owned actor and exits, then a second driver.
 */
@Timeout(180)
class ActorLifetimeTest {

  private static final Duration WAIT = ActorTest.WAIT;

  /** The first driver: runs in its own JVM against the cluster at args[0]. */
  public static final class FirstDriver {
    public static void main(String[] args) {
      Prism.init(PrismConfig.builder().address(args[0]).namespace("lifetime").build());
      ActorHandle<ActorTest.Counter> keeper =
          Prism.actor(ActorTest.Counter::new)
              .setName("keeper")
              .setLifetime(ActorLifetime.DETACHED)
              .remote();
      ActorHandle<ActorTest.Counter> temp =
          Prism.actor(ActorTest.Counter::new).setName("temp").remote();
      Prism.get(keeper.task(ActorTest.Counter::add, 5).remote(), WAIT);
      long pid = Prism.get(temp.task(ActorTest.Counter::pid).remote(), WAIT);
      System.out.println("temp-pid " + pid);
      Prism.shutdown();
      System.out.println("done");
      System.exit(0);
    }
  }

  /** A driver that creates an owned actor, prints its pid, and waits to be killed. */
  public static final class DoomedDriver {
    public static void main(String[] args) throws Exception {
      Prism.init(PrismConfig.builder().address(args[0]).namespace("lifetime").build());
      ActorHandle<ActorTest.Counter> owned =
          Prism.actor(ActorTest.Counter::new).setName("orphan").remote();
      long pid = Prism.get(owned.task(ActorTest.Counter::pid).remote(), WAIT);
      System.out.println("actor-pid " + pid);
      System.out.flush();
      Thread.sleep(120_000);
    }
  }

  @Test
  void theActorsOfAKilledDriverAreDestroyed(@TempDir Path dir) throws Exception {
    EmbeddedCluster cluster =
        EmbeddedCluster.start(
            dev.prism.runtime.gcs.GcsConfig.builder()
                .nodeTimeout(Duration.ofSeconds(3))
                .healthCheckPeriod(Duration.ofMillis(500))
                .build(),
            NodeConfig.builder()
                .numCpus(2)
                .objectStoreCapacity(128L << 20)
                .prestartWorkers(1)
                .workerJvmOptions(
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    Process driver = null;
    try {
      Path log = dir.resolve("doomed.log");
      ProcessBuilder doomed =
          new ProcessBuilder(ClusterFixture.javaCommand(DoomedDriver.class, cluster.gcsAddress()))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      // A driver in another process joins with the cluster's token.
      doomed.environment().put(ClusterToken.ENV, cluster.token().secret());
      driver = doomed.start();
      Awaitility.await("the driver's actor is up")
          .atMost(WAIT)
          .until(() -> Files.readString(log).contains("actor-pid "));
      long actorPid =
          Long.parseLong(
              Files.readString(log)
                  .lines()
                  .filter(l -> l.startsWith("actor-pid "))
                  .findFirst()
                  .orElseThrow()
                  .substring("actor-pid ".length())
                  .trim());
      driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Awaitility.await("the GCS notices the driver is gone and destroys its actor")
          .atMost(WAIT)
          .until(() -> ProcessHandle.of(actorPid).map(p -> !p.isAlive()).orElse(true));
    } finally {
      if (driver != null) {
        driver.destroyForcibly();
      }
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }

  @Test
  void detachedActorsOutliveTheirDriverAndOwnedOnesDoNot(@TempDir Path dir) throws Exception {
    EmbeddedCluster cluster =
        EmbeddedCluster.start(
            NodeConfig.builder()
                .numCpus(2)
                .objectStoreCapacity(128L << 20)
                .prestartWorkers(1)
                .workerJvmOptions(
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    try {
      Path log = dir.resolve("driver.log");
      List<String> command = ClusterFixture.javaCommand(FirstDriver.class, cluster.gcsAddress());
      ProcessBuilder first =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      first.environment().put(ClusterToken.ENV, cluster.token().secret());
      Process driver = first.start();
      assertThat(driver.waitFor(120, TimeUnit.SECONDS)).as("the first driver ends").isTrue();
      String output = Files.readString(log);
      assertThat(output).as("first driver's output").contains("done");
      long tempPid =
          Long.parseLong(
              output
                  .lines()
                  .filter(l -> l.startsWith("temp-pid "))
                  .findFirst()
                  .orElseThrow()
                  .substring("temp-pid ".length())
                  .trim());

      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).namespace("lifetime").build());
      try {
        ActorHandle<ActorTest.Counter> keeper =
            Prism.<ActorTest.Counter>getActor("keeper").orElseThrow();
        assertThat(Prism.get(keeper.task(ActorTest.Counter::inc).remote(), WAIT)).isEqualTo(6);
        Awaitility.await("the owned actor ends with its job")
            .atMost(WAIT)
            .until(() -> Prism.getActor("temp").isEmpty());
        Awaitility.await("the owned actor's process exits")
            .atMost(WAIT)
            .until(() -> ProcessHandle.of(tempPid).map(p -> !p.isAlive()).orElse(true));
        keeper.kill();
        assertThat(Prism.getActor("keeper")).isEmpty();
      } finally {
        Prism.shutdown();
      }
    } finally {
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }
}
