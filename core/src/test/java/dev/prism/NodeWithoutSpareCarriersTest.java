package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.NodeTestSupport;
import dev.prism.runtime.rpc.LeaseReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node manager must start workers however busy the JVM's virtual-thread carriers are: an embedded
 * cluster shares its JVM with the driver's code. The defect this guards against: each worker's two
 * output readers were virtual threads blocked in pipe reads, which pin their carriers; once every
 * carrier was pinned by idle workers' readers, worker launches (virtual threads as well) never ran,
 * leases granted resources waited for a worker forever, and the node looked full while nothing ran
 * (found by the benchmark's actor metrics after its task metrics, on 2 cores). Here the child JVM
 * gets a single carrier, so the first pinned reader would stop every later launch.
 */
class NodeWithoutSpareCarriersTest {

  @AfterAll
  static void nothingLeaked() throws Exception {
    NodeTestSupport.assertNothingLeaked();
  }

  @Test
  void workersStartWhenTheOnlyVirtualThreadCarrierIsTaken(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("node.log");
    Process p =
        new ProcessBuilder(
                ClusterFixture.javaCommand(
                    List.of(
                        "-Djdk.virtualThreadScheduler.parallelism=1",
                        "-Djdk.virtualThreadScheduler.maxPoolSize=1"),
                    OneCarrierNode.class))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the node JVM ends").isTrue();
      String output = Files.readString(log);
      assertThat(output).as("the node JVM's output").contains("4 leases granted");
      assertThat(p.exitValue()).as(output).isZero();
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A node manager in its own JVM: two prestarted workers, a carrier taken by a virtual thread that
   * blocks in a pipe read as a reader did, then four zero-CPU leases, two of which need new
   * workers. Prints what it got; exits 1 when a lease is not granted in time.
   */
  public static final class OneCarrierNode {
    public static void main(String[] args) throws Exception {
      NodeConfig config =
          NodeTestSupport.fixtureConfig(new NodeTestSupport.LogCollector())
              .prestartWorkers(2)
              .build();
      Process cat = new ProcessBuilder("cat").start(); // never written to: its reader blocks
      Thread pinned =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      cat.getInputStream().read();
                    } catch (java.io.IOException e) {
                      // the process ended
                    }
                  });
      int status = 1;
      try (NodeManager nm = NodeManager.start(config);
          NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
        if (!nm.awaitRegisteredWorkers(2, Duration.ofSeconds(30))) {
          System.out.println("the prestarted workers did not register: " + nm.workers());
        } else {
          List<Future<LeaseReply>> pending = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            pending.add(leases.send(NodeTestSupport.Leases.request(Map.of())));
          }
          int granted = 0;
          for (Future<LeaseReply> f : pending) {
            LeaseReply r = f.get(60, TimeUnit.SECONDS);
            if (r.hasGranted()) {
              granted++;
            } else {
              System.out.println("not granted: " + r);
            }
          }
          System.out.println(granted + " leases granted");
          status = granted == 4 ? 0 : 1;
        }
      } catch (Exception e) {
        e.printStackTrace(System.out);
      } finally {
        cat.destroyForcibly().waitFor();
        pinned.join(5000);
      }
      System.exit(status);
    }
  }
}
