package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node leaves while it holds the only copy of task results: the owner rebuilds them. */
@Timeout(180)
class NodeLossTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  static long[] makeArray(int n, long seed, String log) throws java.io.IOException {
    java.nio.file.Files.writeString(
        java.nio.file.Path.of(log),
        Prism.runtimeContext().nodeId() + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = seed * i;
    }
    return out;
  }

  /** What a test does on a two-node cluster: the node to lose and the driver's node. */
  @FunctionalInterface
  interface TwoNodes {
    void run(EmbeddedCluster cluster, NodeManager doomed, String driverNode) throws Exception;
  }

  /**
   * Starts a cluster of two nodes, a driver on one of them, runs {@code test} with the other as the
   * node to lose, and stops everything.
   */
  static void onTwoNodes(TwoNodes test) throws Exception {
    NodeConfig.Builder node = ClusterFixture.smallNode();
    EmbeddedCluster cluster = EmbeddedCluster.start(node.build());
    try {
      NodeManager second = cluster.addNode(node.build());
      Awaitility.await("the nodes know each other")
          .atMost(WAIT)
          .until(() -> cluster.headNode().knownNodes() == 2 && second.knownNodes() == 2);
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        String driverNode = Prism.runtimeContext().nodeId();
        test.run(
            cluster, driverNode.equals(second.nodeId()) ? cluster.headNode() : second, driverNode);
      } finally {
        Prism.shutdown();
      }
    } finally {
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }

  static long lastOf(long[] values) {
    return values[values.length - 1];
  }

  @Test
  void aResultLostWithItsNodeIsRebuiltFromLineage(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    String log = dir.resolve("runs.txt").toString();
    onTwoNodes(
        (cluster, doomed, driverNode) -> {
          // 1.6 MB: stored in the store of the node that ran the task.
          ObjectRef<long[]> ref =
              Prism.task(NodeLossTest::makeArray, 200_000, 7L, log)
                  .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(doomed.nodeId(), true))
                  .remote();
          assertThat(Prism.wait(List.of(ref), 1, WAIT).ready()).hasSize(1);
          assertThat(cluster.removeNode(doomed)).isTrue();
          Awaitility.await("the GCS sees the node gone")
              .atMost(WAIT)
              .until(
                  () -> cluster.gcs().node(doomed.nodeId()).map(n -> !n.getAlive()).orElse(true));
          // A task on the survivor that takes the lost result: its worker asks the owner to
          // rebuild it.
          ObjectRef<Long> last = Prism.task(NodeLossTest::lastOf, ref).remote();
          assertThat(Prism.get(last, WAIT)).isEqualTo(7L * 199_999);
          long[] value = Prism.get(ref, WAIT);
          assertThat(value).hasSize(200_000);
          assertThat(value[199_999]).isEqualTo(7L * 199_999);
          assertThat(java.nio.file.Files.readAllLines(java.nio.file.Path.of(log)))
              .as("the task ran on the lost node, then again on the survivor")
              .containsExactly(doomed.nodeId(), driverNode);
          // A late report that the old copy is lost (a slow borrower) does not rebuild the new one.
          dev.prism.runtime.worker.CoreWorker me = dev.prism.runtime.worker.CoreWorker.current();
          io.grpc.ManagedChannel channel =
              io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                      me.address().getHost(), me.address().getPort())
                  .usePlaintext()
                  .intercept(
                      dev.prism.runtime.security.TokenAuth.clientInterceptor(
                          dev.prism.runtime.security.ClusterToken.processDefault()))
                  .build();
          try {
            var reply =
                dev.prism.runtime.rpc.CoreWorkerServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                    .getObject(
                        dev.prism.runtime.rpc.GetObjectRequest.newBuilder()
                            .setObjectId(
                                com.google.protobuf.ByteString.copyFrom(
                                    dev.prism.runtime.worker.CoreWorker.asImpl(ref)
                                        .objectId()
                                        .toBytes()))
                            .setTimeoutMs(10_000)
                            .setLost(true)
                            .setLostNodeId(doomed.nodeId())
                            .build());
            assertThat(reply.getStatus())
                .isEqualTo(dev.prism.runtime.rpc.GetObjectReply.Status.READY);
            assertThat(reply.getObject().getStoredOnNode()).isEqualTo(driverNode);
          } finally {
            channel.shutdownNow();
          }
          assertThat(java.nio.file.Files.readAllLines(java.nio.file.Path.of(log))).hasSize(2);
        });
  }

  static long[][] twoArrays(int n, long seed, String log) throws java.io.IOException {
    return new long[][] {makeArray(n, seed, log), makeArray(n, seed + 1, log)};
  }

  @Test
  void oneOfSeveralResultsLostWithItsNodeIsRebuiltAlone(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    String log = dir.resolve("runs.txt").toString();
    onTwoNodes(
        (cluster, doomed, driverNode) -> {
          // Two 1.6 MB results in the store of the node that ran the task.
          List<ObjectRef<long[]>> refs =
              Prism.task(NodeLossTest::twoArrays, 200_000, 7L, log)
                  .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(doomed.nodeId(), true))
                  .remoteMultiple(2);
          assertThat(Prism.wait(refs, 2, WAIT).ready()).hasSize(2);
          // The first is copied to the driver's node (read here); the second lives only there.
          assertThat(Prism.get(refs.get(0), WAIT)[199_999]).isEqualTo(7L * 199_999);
          assertThat(cluster.removeNode(doomed)).isTrue();
          Awaitility.await("the GCS sees the node gone")
              .atMost(WAIT)
              .until(
                  () -> cluster.gcs().node(doomed.nodeId()).map(n -> !n.getAlive()).orElse(true));
          ObjectRef<Long> last = Prism.task(NodeLossTest::lastOf, refs.get(1)).remote();
          assertThat(Prism.get(last, WAIT)).isEqualTo(8L * 199_999);
          assertThat(Prism.get(refs.get(1), WAIT)[199_999]).isEqualTo(8L * 199_999);
          assertThat(Prism.get(refs.get(0), WAIT)[199_999]).isEqualTo(7L * 199_999);
          assertThat(java.nio.file.Files.readAllLines(java.nio.file.Path.of(log)))
              .as("the task ran on the lost node (two arrays), then again on the survivor")
              .containsExactly(doomed.nodeId(), doomed.nodeId(), driverNode, driverNode);
        });
  }
}
