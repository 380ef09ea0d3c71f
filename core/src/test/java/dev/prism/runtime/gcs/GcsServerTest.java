package dev.prism.runtime.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GCS tables through the real gRPC client, with a manual clock for liveness. */
class GcsServerTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = now::get;
  private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
  private GcsServer gcs;
  private GcsClient client;

  @BeforeEach
  void start() {
    gcs =
        GcsServer.start(
            GcsConfig.builder()
                .nodeTimeout(Duration.ofSeconds(10))
                .healthCheckPeriod(Duration.ofHours(1))
                .clock(clock)
                .build());
    gcs.addNodeListener(
        new NodeListener() {
          @Override
          public void nodeAdded(NodeInfo node) {
            events.add("added " + node.getNodeId());
          }

          @Override
          public void nodeDied(NodeInfo node) {
            events.add("died " + node.getNodeId() + ": " + node.getDeathReason());
          }
        });
    client = GcsClient.connect(gcs.address());
  }

  @AfterEach
  void stop() {
    client.close();
    gcs.close();
    gcs.close();
  }

  private void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
  }

  private static ResourceAmounts cpus(long n) {
    return ResourceAmounts.newBuilder().putAmounts("CPU", n * 10_000).build();
  }

  private static NodeInfo node(String id, int port) {
    return NodeInfo.newBuilder()
        .setNodeId(id)
        .setAddress(Address.newBuilder().setHost("127.0.0.1").setPort(port))
        .setStoreSocket("/tmp/" + id + ".sock")
        .setTotal(cpus(4))
        .putLabels("zone", "a")
        .build();
  }

  @Test
  void listensOnLoopbackWithAnEphemeralPort() {
    assertThat(gcs.host()).isEqualTo("127.0.0.1");
    assertThat(gcs.port()).isPositive();
    assertThat(gcs.address()).isEqualTo("127.0.0.1:" + gcs.port());
  }

  @Test
  void keyValueStoreWithNamespacesOverwriteAndPrefixes() {
    byte[] v1 = "one".getBytes(StandardCharsets.UTF_8);
    byte[] v2 = "two".getBytes(StandardCharsets.UTF_8);
    assertThat(client.kvPut("ns", "actors/a", v1, false)).isTrue();
    assertThat(client.kvPut("ns", "actors/a", v2, false)).isFalse();
    assertThat(client.kvGet("ns", "actors/a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(v1));
    assertThat(client.kvPut("ns", "actors/a", v2, true)).isFalse();
    assertThat(client.kvGet("ns", "actors/a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(v2));

    client.kvPut("ns", "actors/b", v1, true);
    client.kvPut("ns", "actorz", v1, true);
    client.kvPut("ns", "jobs/1", v1, true);
    client.kvPut("other", "actors/c", v1, true);
    client.kvPut("", "actors/root", new byte[0], true);

    assertThat(client.kvKeys("ns", "actors/")).containsExactly("actors/a", "actors/b");
    assertThat(client.kvKeys("ns", "")).containsExactly("actors/a", "actors/b", "actorz", "jobs/1");
    assertThat(client.kvKeys("other", "actors/")).containsExactly("actors/c");
    assertThat(client.kvKeys("missing", "")).isEmpty();
    assertThat(client.kvGet("other", "actors/a")).isEmpty();
    assertThat(client.kvGet("", "actors/root")).hasValueSatisfying(v -> assertThat(v).isEmpty());

    assertThat(client.kvDelete("ns", "actors/a")).isTrue();
    assertThat(client.kvDelete("ns", "actors/a")).isFalse();
    assertThat(client.kvGet("ns", "actors/a")).isEmpty();
    assertThat(client.kvKeys("ns", "actors/")).containsExactly("actors/b");
  }

  @Test
  void jobIdsAreHandedOutInOrder() {
    Address driver = Address.newBuilder().setHost("127.0.0.1").setPort(1234).build();
    List<Integer> ids =
        List.of(
            ByteBuffer.wrap(client.registerJob(driver).toByteArray()).getInt(),
            ByteBuffer.wrap(client.registerJob(driver).toByteArray()).getInt(),
            ByteBuffer.wrap(client.registerJob(driver).toByteArray()).getInt());
    assertThat(ids).containsExactly(1, 2, 3);
    assertThat(client.registerJob(driver).size()).isEqualTo(4);
  }

  @Test
  void nodesRegisterReportAndUnregister() {
    client.registerNode(node("aa", 1001));
    client.registerNode(node("bb", 1002));
    assertThat(events).containsExactly("added aa", "added bb");

    List<NodeInfo> nodes = client.getAllNodes();
    assertThat(nodes).extracting(NodeInfo::getNodeId).containsExactly("aa", "bb");
    assertThat(nodes)
        .allSatisfy(
            n -> {
              assertThat(n.getAlive()).isTrue();
              assertThat(n.getAvailable()).isEqualTo(n.getTotal());
              assertThat(n.getLabelsMap()).containsEntry("zone", "a");
            });

    List<NodeInfo> view = client.reportResources("aa", cpus(1));
    assertThat(view)
        .filteredOn(n -> n.getNodeId().equals("aa"))
        .singleElement()
        .satisfies(n -> assertThat(n.getAvailable()).isEqualTo(cpus(1)));
    assertThat(gcs.node("aa"))
        .hasValueSatisfying(n -> assertThat(n.getAvailable()).isEqualTo(cpus(1)));

    client.unregisterNode("aa");
    assertThat(events).contains("died aa: unregistered");
    assertThat(gcs.node("aa"))
        .hasValueSatisfying(
            n -> {
              assertThat(n.getAlive()).isFalse();
              assertThat(n.getDeathReason()).isEqualTo("unregistered");
            });
    assertThat(client.getAllNodes()).hasSize(2);

    assertThatThrownBy(() -> client.reportResources("aa", cpus(4)))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("declared dead")
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> client.reportResources("zz", cpus(4)))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("not registered")
        .satisfies(
            e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));

    client.registerNode(node("aa", 1003));
    assertThat(gcs.node("aa"))
        .hasValueSatisfying(
            n -> {
              assertThat(n.getAlive()).isTrue();
              assertThat(n.getDeathReason()).isEmpty();
              assertThat(n.getAddress().getPort()).isEqualTo(1003);
            });
  }

  @Test
  void aNodeWhoseReportsStopIsDeclaredDeadAfterTheTimeout() {
    client.registerNode(node("aa", 1001));
    client.registerNode(node("bb", 1002));

    advance(Duration.ofSeconds(6));
    client.reportResources("bb", cpus(4));
    assertThat(gcs.checkNodeHealth()).isEmpty();

    advance(Duration.ofSeconds(5));
    List<NodeInfo> died = gcs.checkNodeHealth();
    assertThat(died).extracting(NodeInfo::getNodeId).containsExactly("aa");
    assertThat(died.get(0).getDeathReason()).contains("no resource report for 11000 ms");
    assertThat(events).anyMatch(e -> e.startsWith("died aa: no resource report"));
    assertThat(gcs.node("bb")).hasValueSatisfying(n -> assertThat(n.getAlive()).isTrue());
    assertThat(gcs.checkNodeHealth()).isEmpty();

    advance(Duration.ofSeconds(10));
    assertThat(gcs.checkNodeHealth()).extracting(NodeInfo::getNodeId).containsExactly("bb");
  }

  @Test
  void logsShowAmountsInUnits() {
    assertThat(
            GcsServiceImpl.format(
                ResourceAmounts.newBuilder()
                    .putAmounts("GPU", 5_000)
                    .putAmounts("CPU", 20_000)
                    .build()))
        .isEqualTo("{CPU=2, GPU=0.5}");
  }

  @Test
  void clientErrorsNameTheProblem() {
    assertThatThrownBy(() -> GcsClient.connect("localhost"))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("not host:port");
    assertThatThrownBy(() -> GcsClient.connect("localhost:0"))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("not host:port");
    assertThatThrownBy(() -> GcsConfig.builder().port(70000).build())
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("70000");
    int port;
    try (GcsServer other = GcsServer.start()) {
      port = other.port();
    }
    try (GcsClient unreachable = GcsClient.connect("127.0.0.1:" + port, Duration.ofSeconds(2))) {
      assertThatThrownBy(unreachable::getAllNodes)
          .isInstanceOf(GcsException.class)
          .hasMessageContaining("UNAVAILABLE")
          .hasMessageContaining("check that the GCS is running");
    }
  }
}
