package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.SchedulingStrategy;
import dev.prism.runtime.cluster.EmbeddedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data locality: tasks whose large argument lives on another node are sent to that node, and the
 * argument is never transferred (no pull on any node).
 */
@Timeout(180)
class LocalityTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  static long[] makeOnB(int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  static String sumWhere(long[] values) {
    long sum = 0;
    for (long v : values) {
      sum += v;
    }
    return sum + "@" + Prism.runtimeContext().nodeId();
  }

  @Test
  void tasksGoWhereTheirLargeArgumentIsAndNothingIsPulled() throws InterruptedException {
    NodeConfig.Builder node =
        NodeConfig.builder()
            .numCpus(2)
            .objectStoreCapacity(128L << 20)
            .prestartWorkers(1)
            .reportPeriod(Duration.ofMillis(200))
            .workerJvmOptions(List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    EmbeddedCluster cluster = EmbeddedCluster.start(node.build());
    try {
      NodeManager b = cluster.addNode(node.build());
      NodeManager a = cluster.headNode();
      Awaitility.await("the nodes know each other")
          .atMost(WAIT)
          .until(() -> a.knownNodes() == 2 && b.knownNodes() == 2);
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        String driverNode = Prism.runtimeContext().nodeId();
        NodeManager other = driverNode.equals(a.nodeId()) ? b : a;
        // 8 MB made on the other node (hard affinity), stored in its store.
        ObjectRef<long[]> data =
            Prism.task(LocalityTest::makeOnB, 1_000_000)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(other.nodeId(), false))
                .remote();
        assertThat(Prism.wait(List.of(data), 1, WAIT).ready()).hasSize(1);
        long expected = 999_999L * 1_000_000L / 2;
        // Rounds of two: the node with the data has 2 CPUs, so it can take each round at once
        // ("when it can"; more would spill to the driver's node and pull the data).
        for (int round = 0; round < 3; round++) {
          // Node managers see each other's free resources as of their last reports: let the
          // previous round's leases show as returned.
          Thread.sleep(1_000);
          List<ObjectRef<String>> sums = new ArrayList<>();
          for (int i = 0; i < 2; i++) {
            sums.add(Prism.task(LocalityTest::sumWhere, data).remote());
          }
          assertThat(Prism.get(sums, WAIT)).containsOnly(expected + "@" + other.nodeId());
        }
        assertThat(a.objectPullCount() + b.objectPullCount())
            .as("the argument was never transferred")
            .isZero();
      } finally {
        Prism.shutdown();
      }
    } finally {
      cluster.close();
    }
    Awaitility.await("no worker process is left")
        .atMost(WAIT)
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
  }
}
