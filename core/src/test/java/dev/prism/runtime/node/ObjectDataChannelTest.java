package dev.prism.runtime.node;

import static dev.prism.runtime.node.NodeTestSupport.putPattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import dev.prism.store.ObjectBuffer;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.StoreClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The object data channel's failure paths: a source whose data port does not answer, a source that
 * closes the connection or stalls mid-transfer, and a reader that goes away or whose source node is
 * removed mid-transfer. Each fails with a clear error, in bounded time, and leaves neither a
 * half-written object on the destination nor a pin on the source.
 */
@Timeout(120)
class ObjectDataChannelTest {

  private static final long MIB = 1L << 20;

  private static EmbeddedCluster cluster;
  private static NodeManager nodeA;
  private static NodeManager nodeB;
  private static StoreClient storeA;
  private static StoreClient storeB;
  private static ManagedChannel channelB;

  @BeforeAll
  static void start() {
    NodeConfig.Builder node =
        NodeConfig.builder()
            .numCpus(1)
            .numGpus(0)
            .prestartWorkers(0)
            .objectStoreCapacity(256 * MIB)
            .reportPeriod(Duration.ofMillis(200));
    cluster = EmbeddedCluster.start(node.build());
    nodeA = cluster.headNode();
    nodeB = cluster.addNode(node.build());
    storeA = StoreClient.connect(nodeA.storeSocketPath());
    storeB = StoreClient.connect(nodeB.storeSocketPath());
    channelB =
        NettyChannelBuilder.forTarget(nodeB.address())
            .usePlaintext()
            .intercept(TokenAuth.clientInterceptor(cluster.token()))
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      channelB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      storeA.close();
      storeB.close();
    } finally {
      cluster.close();
    }
  }

  @AfterEach
  void restore() {
    nodeA.objectManager().advertiseDataPort(-1);
    nodeA
        .objectManager()
        .dataIdleTimeout(ObjectTransferConfig.fromSystemProperties().idleTimeout());
    nodeB
        .objectManager()
        .dataIdleTimeout(ObjectTransferConfig.fromSystemProperties().idleTimeout());
  }

  @Test
  void anUnknownDataPortFailsClearlyAndLeavesNothingBehind() throws IOException {
    ObjectId id = putPattern(storeA, 8 * MIB);
    int closedPort;
    try (ServerSocketChannel s = ServerSocketChannel.open()) {
      s.bind(new InetSocketAddress(EmbeddedCluster.LOOPBACK, 0));
      closedPort = s.socket().getLocalPort();
    }
    nodeA.objectManager().advertiseDataPort(closedPort);
    assertThatThrownBy(() -> fetchOnB(id, nodeA.nodeId()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains(id.toString())
                  .contains(nodeA.nodeId())
                  .contains("cannot connect to its data port")
                  .contains(":" + closedPort);
            });
    assertNothingLeft(id);

    // The real port again: the same object is pulled and equals the original.
    nodeA.objectManager().advertiseDataPort(-1);
    assertThat(fetchOnB(id, nodeA.nodeId()).getPulled()).isTrue();
    assertSameBytes(id);
    storeA.delete(id);
  }

  @Test
  void aSourceThatClosesMidTransferFailsThePullAndAbortsTheCopy() throws Exception {
    ObjectId id = putPattern(storeA, 64 * MIB);
    try (FakeSource fake = new FakeSource(64 * MIB, 3 * MIB, false)) {
      nodeA.objectManager().advertiseDataPort(fake.port());
      assertThatThrownBy(() -> fetchOnB(id, nodeA.nodeId()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .contains(nodeA.nodeId())
                    .contains("closed the data connection after " + 3 * MIB + " of " + 64 * MIB);
              });
    }
    assertNothingLeft(id);
    storeA.delete(id);
  }

  @Test
  void aSourceThatStallsIsCutOffAfterTheIdleTimeout() throws Exception {
    ObjectId id = putPattern(storeA, 64 * MIB);
    nodeB.objectManager().dataIdleTimeout(Duration.ofSeconds(1));
    try (FakeSource fake = new FakeSource(64 * MIB, MIB, true)) {
      nodeA.objectManager().advertiseDataPort(fake.port());
      long started = System.nanoTime();
      assertThatThrownBy(() -> fetchOnB(id, nodeA.nodeId()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .contains("no data for 1 s")
                    .contains("got " + MIB + " of " + 64 * MIB);
              });
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }
    assertNothingLeft(id);
    storeA.delete(id);
  }

  @Test
  void aReaderThatGoesAwayOrStallsReleasesTheSourcesPin() throws Exception {
    ObjectId id = putPattern(storeA, 128 * MIB);
    int port = nodeA.objectManager().dataPort();
    try (SocketChannel reader = request(port, id)) {
      readSome(reader, 2 * MIB);
      assertThat(pinCount(storeA, id)).as("pinned while it is sent").isEqualTo(1);
    }
    awaitUnpinned(storeA, id);

    nodeA.objectManager().dataIdleTimeout(Duration.ofSeconds(1));
    try (SocketChannel reader = request(port, id)) {
      readSome(reader, MIB); // then stop reading: the sender blocks once the buffers are full
      awaitUnpinned(storeA, id);
    }
    storeA.delete(id);
  }

  @Test
  void removingTheSourceNodeMidTransferCutsTheConnection() throws Exception {
    NodeManager nodeC =
        cluster.addNode(
            NodeConfig.builder()
                .numCpus(1)
                .numGpus(0)
                .prestartWorkers(0)
                .objectStoreCapacity(160 * MIB)
                .reportPeriod(Duration.ofMillis(200))
                .build());
    ObjectId id;
    try (StoreClient storeC = StoreClient.connect(nodeC.storeSocketPath())) {
      id = putPattern(storeC, 128 * MIB);
    }
    try (SocketChannel reader = request(nodeC.objectManager().dataPort(), id)) {
      readSome(reader, 2 * MIB);
      assertThat(cluster.removeNode(nodeC)).isTrue();
      CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> drain(reader));
      assertThat(drained.get(30, TimeUnit.SECONDS))
          .as("bytes after the header")
          .isLessThan(128 * MIB);
    }
    assertThatThrownBy(() -> fetchOnB(id, nodeC.nodeId()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains(nodeC.nodeId());
            });
    assertThat(storeB.contains(id)).isFalse();
  }

  @Test
  void aDataConnectionWithAWrongTokenIsRefusedBeforeAnyObjectIsTouched() throws Exception {
    ObjectId id = putPattern(storeA, 8 * MIB);
    int port = nodeA.objectManager().dataPort();
    // A wrong token, then a valid request: one refusal, no object bytes, the connection closed.
    try (SocketChannel ch =
        SocketChannel.open(new InetSocketAddress(EmbeddedCluster.LOOPBACK, port))) {
      ch.write(
          ByteBuffer.allocate(ObjectDataServer.HANDSHAKE_BYTES + ObjectDataServer.REQUEST_BYTES)
              .putInt(ObjectDataServer.MAGIC)
              .put(ObjectDataServer.VERSION)
              .put(ClusterToken.generate().digest())
              .put(id.toBytes())
              .putLong(0)
              .flip());
      byte[] answer = CompletableFuture.supplyAsync(() -> readAll(ch)).get(30, TimeUnit.SECONDS);
      ByteBuffer b = ByteBuffer.wrap(answer);
      assertThat(b.get()).as("status").isEqualTo(ObjectDataServer.UNAUTHENTICATED);
      assertThat(b.getLong()).as("size").isZero();
      int length = b.getShort() & 0xffff;
      assertThat(b.remaining()).as("nothing but the refusal").isEqualTo(length);
      assertThat(new String(answer, b.position(), length, java.nio.charset.StandardCharsets.UTF_8))
          .contains("refused this data connection")
          .contains("cluster token is wrong");
    }
    assertThat(pinCount(storeA, id)).as("the refused connection never pinned it").isZero();

    // A node with a wrong token pulling: UNAUTHENTICATED, and nothing half-written on B.
    try (TransferWatchdog watchdog =
        new TransferWatchdog("test-watchdog", Duration.ofSeconds(30))) {
      ObjectDataClient wrong =
          new ObjectDataClient(
              storeB,
              watchdog,
              Duration.ofSeconds(10),
              ObjectTransferConfig.DEFAULTS,
              ClusterToken.generate());
      assertThatThrownBy(
              () ->
                  wrong.pull(
                      id,
                      new InetSocketAddress(EmbeddedCluster.LOOPBACK, port),
                      "pull of " + id,
                      () -> {}))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).contains("cluster token is wrong");
              });
    }
    assertNothingLeft(id);

    // The data port listens on loopback only.
    for (java.net.NetworkInterface ni :
        java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (java.net.InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
        if (ni.isUp() && !a.isLoopbackAddress() && a instanceof java.net.Inet4Address) {
          assertThatThrownBy(
                  () -> {
                    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(a, port))) {
                      ch.isConnected();
                    }
                  })
              .as("the data port on %s", a)
              .isInstanceOf(IOException.class);
        }
      }
    }

    // The cluster's own pull still works.
    assertThat(fetchOnB(id, nodeA.nodeId()).getPulled()).isTrue();
    assertSameBytes(id);
    storeA.delete(id);
  }

  @Test
  void idleConnectionsWithoutAHandshakeCannotExhaustTheDataPort() throws Exception {
    ObjectId id = putPattern(storeA, MIB);
    int port = nodeA.objectManager().dataPort();
    List<SocketChannel> idle = new ArrayList<>();
    try {
      // Peers without the token holding connections open: each holds a thread, up to the cap.
      for (int i = 0; i < ObjectDataServer.MAX_CONNECTIONS; i++) {
        idle.add(SocketChannel.open(new InetSocketAddress(EmbeddedCluster.LOOPBACK, port)));
      }
      // One more is closed at once (not queued behind them, no thread made for it).
      try (SocketChannel extra =
          SocketChannel.open(new InetSocketAddress(EmbeddedCluster.LOOPBACK, port))) {
        Awaitility.await("the connection over the cap is closed")
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    CompletableFuture.supplyAsync(() -> readAll(extra))
                            .get(30, TimeUnit.SECONDS)
                            .length
                        == 0);
      }
    } finally {
      for (SocketChannel ch : idle) {
        ch.close();
      }
    }
    // Once they are gone, the cluster's own pull works again.
    Awaitility.await("the node pulls again")
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> fetchOnB(id, nodeA.nodeId()).getPulled());
    assertSameBytes(id);
    storeA.delete(id);
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] readAll(SocketChannel ch) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(64 << 10);
    try {
      for (int n; (n = ch.read(b.clear())) >= 0; ) {
        out.write(b.array(), 0, n);
      }
    } catch (IOException e) {
      // reset: the end
    }
    return out.toByteArray();
  }

  /**
   * A data port that answers one request with OK and {@code size}, sends {@code send} bytes, then
   * closes (or, when {@code stall}, keeps the connection open and silent).
   */
  private static final class FakeSource implements AutoCloseable {
    private final ServerSocketChannel server = ServerSocketChannel.open();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Thread thread;

    FakeSource(long size, long send, boolean stall) throws IOException {
      server.bind(new InetSocketAddress(EmbeddedCluster.LOOPBACK, 0));
      thread =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try (SocketChannel ch = server.accept()) {
                      ByteBuffer request =
                          ByteBuffer.allocate(
                              ObjectDataServer.HANDSHAKE_BYTES + ObjectDataServer.REQUEST_BYTES);
                      while (request.hasRemaining() && ch.read(request) >= 0) {
                        // the whole request
                      }
                      ch.write(
                          ByteBuffer.allocate(9).put(ObjectDataServer.OK).putLong(size).flip());
                      ByteBuffer data = ByteBuffer.allocateDirect((int) send);
                      while (data.hasRemaining()) {
                        ch.write(data);
                      }
                      if (stall) {
                        release.await(60, TimeUnit.SECONDS);
                      }
                    } catch (IOException | InterruptedException e) {
                      // the test is over
                    }
                  });
    }

    int port() {
      return server.socket().getLocalPort();
    }

    @Override
    public void close() throws Exception {
      release.countDown();
      server.close();
      thread.join(10_000);
    }
  }

  private static SocketChannel request(int port, ObjectId id) throws IOException {
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(EmbeddedCluster.LOOPBACK, port));
    ch.write(
        ByteBuffer.allocate(ObjectDataServer.HANDSHAKE_BYTES + ObjectDataServer.REQUEST_BYTES)
            .putInt(ObjectDataServer.MAGIC)
            .put(ObjectDataServer.VERSION)
            .put(cluster.token().digest())
            .put(id.toBytes())
            .putLong(0)
            .flip());
    ByteBuffer header = ByteBuffer.allocate(ObjectDataServer.REPLY_HEADER_BYTES);
    while (header.hasRemaining()) {
      if (ch.read(header) < 0) {
        throw new IOException("closed before the header");
      }
    }
    assertThat(header.flip().get()).as("status").isEqualTo(ObjectDataServer.OK);
    return ch;
  }

  private static void readSome(SocketChannel ch, long bytes) throws IOException {
    ByteBuffer b = ByteBuffer.allocateDirect((int) bytes);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("closed early");
      }
    }
  }

  private static long drain(SocketChannel ch) {
    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
    long total = 0;
    try {
      for (int n; (n = ch.read(b.clear())) >= 0; ) {
        total += n;
      }
    } catch (IOException e) {
      // reset by the closing node: also an end
    }
    return total;
  }

  private static FetchObjectReply fetchOnB(ObjectId id, String source) {
    return ObjectManagerServiceGrpc.newBlockingStub(channelB)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .fetchObject(
            FetchObjectRequest.newBuilder()
                .setObjectId(ByteString.copyFrom(id.toBytes()))
                .setSourceNodeId(source)
                .build());
  }

  /** No copy (sealed or half-written) on B, no pin left on A. */
  private static void assertNothingLeft(ObjectId id) {
    assertThat(storeB.list()).noneMatch(i -> i.id().equals(id));
    awaitUnpinned(storeA, id);
  }

  private static void awaitUnpinned(StoreClient store, ObjectId id) {
    Awaitility.await("the source's pin of " + id + " is released")
        .atMost(Duration.ofSeconds(15))
        .until(() -> pinCount(store, id) == 0);
  }

  private static int pinCount(StoreClient store, ObjectId id) {
    return store.list().stream()
        .filter(i -> i.id().equals(id))
        .mapToInt(ObjectInfo::pinCount)
        .findFirst()
        .orElse(0);
  }

  private static void assertSameBytes(ObjectId id) {
    try (ObjectBuffer a = storeA.get(id, Duration.ofSeconds(10));
        ObjectBuffer b = storeB.get(id, Duration.ofSeconds(10))) {
      assertThat(a.segment().mismatch(b.segment())).isEqualTo(-1);
    }
    storeB.delete(id);
  }
}
