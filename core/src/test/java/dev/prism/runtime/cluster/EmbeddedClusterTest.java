package dev.prism.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.prism.PrismException;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.NodeTestSupport;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An embedded cluster: GCS and head node on loopback, a second node manager joining the same GCS,
 * spillback between them, a node leaving, and a close that leaves nothing behind.
 */
class EmbeddedClusterTest {

  @AfterAll
  static void nothingLeaked() throws Exception {
    NodeTestSupport.assertNothingLeaked();
  }

  private static boolean aliveIn(EmbeddedCluster cluster, String nodeId) {
    return cluster.gcs().node(nodeId).map(NodeInfo::getAlive).orElse(false);
  }

  @Test
  void resourceChangesReachTheGcsWithoutWaitingForTheHeartbeat() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    try (EmbeddedCluster cluster =
            EmbeddedCluster.start(
                GcsConfig.builder().build(),
                NodeTestSupport.fixtureConfig(logs)
                    .prestartWorkers(1)
                    .reportPeriod(Duration.ofMinutes(5))
                    .reportDelay(Duration.ofMillis(50))
                    .build());
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(cluster.nodeManagerAddress())) {
      String id = cluster.nodeId();
      LeaseRequest.Builder req = NodeTestSupport.Leases.request(Map.of("CPU", 1.0));
      assertThat(leases.call(req).hasGranted()).isTrue();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  cluster.gcs().node(id).orElseThrow().getAvailable().getAmountsMap().get("CPU")
                      == 10_000L);
      leases.giveBack(req.getLeaseId(), false);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  cluster.gcs().node(id).orElseThrow().getAvailable().getAmountsMap().get("CPU")
                      == 20_000L);
      assertThat(aliveIn(cluster, id)).isTrue();
    }
  }

  @Test
  void twoNodesShareOneGcsAndSpillBackToEachOther() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    EmbeddedCluster cluster =
        EmbeddedCluster.start(
            NodeTestSupport.fixtureConfig(logs).numCpus(1).prestartWorkers(1).build());
    Path shm;
    try {
      NodeManager head = cluster.headNode();
      shm = head.storeShmPath();
      assertThat(cluster.gcsAddress()).startsWith("127.0.0.1:");
      assertThat(cluster.nodeManagerAddress()).isEqualTo(head.address()).startsWith("127.0.0.1:");
      assertThat(cluster.nodeId()).isEqualTo(head.nodeId());
      assertThat(cluster.storeSocket()).isEqualTo(head.storeSocketPath().toString());
      assertThat(head.gcsAddress()).contains(cluster.gcsAddress());
      assertThat(cluster.gcs().node(head.nodeId()))
          .hasValueSatisfying(
              n -> {
                assertThat(n.getAlive()).isTrue();
                assertThat(n.getAddress().getPort()).isEqualTo(head.port());
                assertThat(n.getStoreSocket()).isEqualTo(cluster.storeSocket());
                assertThat(n.getTotal().getAmountsMap()).containsEntry("CPU", 10_000L);
              });

      NodeManager other =
          cluster.addNode(
              NodeTestSupport.fixtureConfig(logs)
                  .numCpus(2)
                  .prestartWorkers(0)
                  .resource("accel", 1)
                  .label("kind", "accelerated")
                  .build());
      assertThat(cluster.nodes()).containsExactly(head, other);
      assertThat(other.port()).isNotEqualTo(head.port());
      assertThat(other.storeShmPath()).isNotEqualTo(head.storeShmPath());
      assertThat(aliveIn(cluster, other.nodeId())).isTrue();

      try (NodeTestSupport.Leases atHead = new NodeTestSupport.Leases(head.address());
          NodeTestSupport.Leases atOther = new NodeTestSupport.Leases(other.address())) {
        // The head learns about the other node from its reports' replies.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            atHead
                                .call(NodeTestSupport.Leases.request(Map.of("accel", 1.0)))
                                .getResultCase())
                        .isEqualTo(LeaseReply.ResultCase.SPILLBACK));

        LeaseRequest.Builder accel = NodeTestSupport.Leases.request(Map.of("accel", 1.0));
        LeaseReply spilled = atHead.call(accel);
        assertThat(spilled.getSpillback().getPort()).isEqualTo(other.port());
        assertThat(spilled.getSpillback().getNodeId()).isEqualTo(other.nodeId());

        LeaseReply granted = atOther.call(accel.setGrantOrQueue(true));
        assertThat(granted.getGranted().getWorker().getNodeId()).isEqualTo(other.nodeId());

        LeaseReply noSecondSpill =
            atHead.call(NodeTestSupport.Leases.request(Map.of("accel", 1.0)).setGrantOrQueue(true));
        assertThat(noSecondSpill.getInfeasible()).contains("may not be spilled back again");

        LeaseReply nowhere = atHead.call(NodeTestSupport.Leases.request(Map.of("CPU", 64.0)));
        assertThat(nowhere.getInfeasible()).contains("CPU");

        // The head's only CPU is leased: a CPU request goes to the node with free CPUs.
        LeaseRequest.Builder local = NodeTestSupport.Leases.request(Map.of("CPU", 1.0));
        LeaseReply localReply = atHead.call(local);
        assertThat(localReply.getGranted().getWorker().getNodeId()).isEqualTo(head.nodeId());
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  LeaseReply r = atHead.call(NodeTestSupport.Leases.request(Map.of("CPU", 1.0)));
                  assertThat(r.getSpillback().getNodeId()).isEqualTo(other.nodeId());
                });
        atHead.giveBack(local.getLeaseId(), false);
        atOther.giveBack(accel.getLeaseId(), false);

        // A node that leaves is dead in the GCS, and the head stops spilling to it.
        assertThat(cluster.removeNode(other)).isTrue();
        assertThat(cluster.removeNode(head)).isFalse();
        assertThat(cluster.gcs().node(other.nodeId()))
            .hasValueSatisfying(n -> assertThat(n.getDeathReason()).isEqualTo("unregistered"));
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(
                            atHead
                                .call(NodeTestSupport.Leases.request(Map.of("accel", 1.0)))
                                .getInfeasible())
                        .contains("accel"));
      }
    } finally {
      cluster.close();
    }
    cluster.close();
    assertThat(shm).doesNotExist();
    assertThatThrownBy(() -> cluster.addNode(NodeTestSupport.fixtureConfig(logs).build()))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("closed");
    NodeTestSupport.assertNothingLeaked();
  }
}
