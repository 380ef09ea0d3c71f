package dev.prism.runtime.node;

import static dev.prism.runtime.node.NodeTestSupport.putPattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.ObjectLostException;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.runtime.worker.TaskSubmitterDefaults;
import dev.prism.store.CopyKind;
import dev.prism.store.ObjectBuffer;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.StoreClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Objects between nodes: a driver on node A puts objects, tasks forced onto node B (a custom
 * resource only B has) read them, which pulls a secondary copy into B's store; concurrent reads
 * share one pull; dead or unknown source nodes fail fast; pulled copies may be evicted.
 */
@Timeout(300)
class ObjectTransferTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final long MIB = 1L << 20;

  private static EmbeddedCluster cluster;
  private static NodeManager nodeA;
  private static NodeManager nodeB;
  private static StoreClient storeA;
  private static ManagedChannel channelB;

  @BeforeAll
  static void start() {
    NodeConfig.Builder common =
        NodeConfig.builder()
            .numGpus(0)
            .reportPeriod(Duration.ofMillis(200))
            .workerStartTimeout(Duration.ofSeconds(60))
            .workerExitGrace(Duration.ofSeconds(2));
    cluster =
        EmbeddedCluster.start(
            common
                .numCpus(2)
                .prestartWorkers(0)
                .objectStoreCapacity(1300 * MIB)
                .workerJvmOptions(
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    nodeA = cluster.headNode();
    nodeB =
        cluster.addNode(
            common
                .numCpus(4)
                .prestartWorkers(1)
                .resource("nodeB", 4)
                .objectStoreCapacity(1300 * MIB)
                .workerJvmOptions(
                    List.of("-Xmx2500m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    CoreWorker.start(
        new CoreWorker.Settings(
            CoreWorker.Mode.DRIVER,
            null,
            nodeA.nodeId(),
            nodeA.address(),
            nodeA.storeSocketPath(),
            EmbeddedCluster.LOOPBACK,
            null,
            List.of(),
            TaskSubmitterDefaults.PIPELINE_DEPTH,
            cluster.gcsAddress(),
            null));
    storeA = StoreClient.connect(nodeA.storeSocketPath());
    channelB =
        NettyChannelBuilder.forTarget(nodeB.address())
            .usePlaintext()
            .intercept(TokenAuth.clientInterceptor(ClusterToken.processDefault()))
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (channelB != null) {
        channelB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      if (storeA != null) {
        storeA.close();
      }
      Prism.shutdown();
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    Awaitility.await("worker processes exit")
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    NodeTestSupport.assertNothingLeaked();
  }

  /** What a task on another node saw. */
  record Seen(String nodeId, long sum, boolean zeroCopy) {}

  static Seen sumLongs(long[] values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return new Seen(Prism.runtimeContext().nodeId(), s, false);
  }

  static Seen sumArrow(VectorSchemaRoot root) {
    BigIntVector v = (BigIntVector) root.getVector("v");
    long s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += v.get(i);
    }
    boolean zeroCopy = CoreWorker.current().isInSharedMemory(v.getDataBuffer().memoryAddress());
    return new Seen(Prism.runtimeContext().nodeId(), s, zeroCopy);
  }

  private static ObjectRef<Seen> onB(ObjectRef<?> ref, boolean arrow) {
    @SuppressWarnings("unchecked")
    ObjectRef<Seen> r =
        arrow
            ? Prism.task(ObjectTransferTest::sumArrow, (ObjectRef<VectorSchemaRoot>) ref)
                .setResource("nodeB", 1.0)
                .remote()
            : Prism.task(ObjectTransferTest::sumLongs, (ObjectRef<long[]>) ref)
                .setResource("nodeB", 1.0)
                .remote();
    return r;
  }

  @Test
  void aOneGibArrayPutOnNodeAIsReadByATaskOnNodeB() {
    long[] big = new long[(int) (1024 * MIB / 8)];
    for (int i = 0; i < big.length; i++) {
      big[i] = i * 3L + 1;
    }
    long n = big.length;
    long expected = 3 * (n * (n - 1) / 2) + n;
    ObjectRef<long[]> ref = Prism.put(big);
    big = null;
    long pulls = nodeB.objectPullCount();
    Seen seen = Prism.get(onB(ref, false), WAIT);
    assertThat(seen.nodeId()).isEqualTo(nodeB.nodeId());
    assertThat(seen.sum()).isEqualTo(expected);
    assertThat(nodeB.objectPullCount()).isEqualTo(pulls + 1);
    ObjectId id = CoreWorker.asImpl(ref).objectId();
    assertThat(copyIn(nodeB, id)).as("the pulled copy on node B").isEqualTo(CopyKind.SECONDARY);
    assertThat(copyIn(nodeA, id)).as("the primary stays on node A").isEqualTo(CopyKind.PRIMARY);
  }

  @Test
  void arrowDataPulledToNodeBIsReadZeroCopyThereAndConcurrentReadsPullOnce() {
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector v = new BigIntVector("v", allocator)) {
      int n = 4_000_000; // 32 MiB
      v.allocateNew(n);
      for (int i = 0; i < n; i++) {
        v.set(i, i);
      }
      v.setValueCount(n);
      ObjectRef<VectorSchemaRoot> ref;
      try (VectorSchemaRoot root = VectorSchemaRoot.of(v)) {
        ref = Prism.put(root);
      }
      long pulls = nodeB.objectPullCount();
      List<ObjectRef<Seen>> reads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        reads.add(onB(ref, true));
      }
      for (Seen seen : Prism.get(reads)) {
        assertThat(seen.nodeId()).isEqualTo(nodeB.nodeId());
        assertThat(seen.sum()).isEqualTo((long) n * (n - 1) / 2);
        assertThat(seen.zeroCopy()).as("Arrow buffers lie in node B's shared mapping").isTrue();
      }
      assertThat(nodeB.objectPullCount()).as("one pull for four reads").isEqualTo(pulls + 1);
    }
  }

  @Test
  void concurrentFetchesOfOneObjectShareOnePull() throws Exception {
    ObjectId id = putPattern(storeA, 256 * MIB);
    long pulls = nodeB.objectPullCount();
    int callers = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<CompletableFuture<FetchObjectReply>> replies = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        replies.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                  return fetchOnB(id, nodeA.nodeId());
                },
                pool));
      }
      go.countDown();
      int pulled = 0;
      for (CompletableFuture<FetchObjectReply> r : replies) {
        if (r.get(60, TimeUnit.SECONDS).getPulled()) {
          pulled++;
        }
      }
      assertThat(nodeB.objectPullCount()).isEqualTo(pulls + 1);
      assertThat(pulled).as("callers answered by the pull itself").isGreaterThanOrEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    try (StoreClient storeB = StoreClient.connect(nodeB.storeSocketPath());
        ObjectBuffer a = storeA.get(id, WAIT);
        ObjectBuffer b = storeB.get(id, WAIT)) {
      assertThat(b.size()).isEqualTo(a.size());
      assertThat(a.segment().mismatch(b.segment()))
          .as("the copy equals the original")
          .isEqualTo(-1);
    }
    // Already here: answered without pulling.
    assertThat(fetchOnB(id, nodeA.nodeId()).getPulled()).isFalse();
    assertThat(nodeB.objectPullCount()).isEqualTo(pulls + 1);
    storeA.delete(id);
  }

  @Test
  void aNodeConfiguredWithoutTheDataPortServesPullsOverTheRpc() throws Exception {
    ObjectTransferConfig rpcOnly =
        new ObjectTransferConfig(
            1 << 20,
            false,
            ObjectTransferConfig.DEFAULTS.dataIoBytes(),
            0,
            ObjectTransferConfig.DEFAULTS.idleTimeout());
    NodeManager c =
        cluster.addNode(
            NodeConfig.builder()
                .numGpus(0)
                .numCpus(1)
                .prestartWorkers(0)
                .objectStoreCapacity(64 * MIB)
                .reportPeriod(Duration.ofMillis(200))
                .objectTransfer(rpcOnly)
                .build());
    try (StoreClient storeC = StoreClient.connect(c.storeSocketPath())) {
      assertThat(c.objectManager().dataPort()).as("set for this node only").isZero();
      assertThat(nodeA.objectManager().dataPort()).isPositive();
      ObjectId id = putPattern(storeC, 8 * MIB);
      long pulls = nodeB.objectPullCount();
      assertThat(fetchOnB(id, c.nodeId()).getPulled()).isTrue();
      assertThat(nodeB.objectPullCount()).isEqualTo(pulls + 1);
      try (StoreClient storeB = StoreClient.connect(nodeB.storeSocketPath());
          ObjectBuffer original = storeC.get(id, WAIT);
          ObjectBuffer copy = storeB.get(id, WAIT)) {
        assertThat(original.segment().mismatch(copy.segment()))
            .as("the copy streamed over the Pull RPC equals the original")
            .isEqualTo(-1);
      }
    } finally {
      assertThat(cluster.removeNode(c)).isTrue();
    }
  }

  @Test
  void fetchingFromAnUnknownOrDeadNodeOrAMissingObjectFailsClearly() {
    ObjectId id = ObjectId.random();
    assertThatThrownBy(() -> fetchOnB(id, "00000000deadbeef"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains("00000000deadbeef")
                  .contains("unknown");
            });
    assertThatThrownBy(() -> fetchOnB(id, nodeA.nodeId()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .contains(id.toString())
                  .contains("not in the store of node " + nodeA.nodeId());
            });

    // A node that held a task's result leaves: reading the result elsewhere fails fast.
    NodeManager nodeD =
        cluster.addNode(
            NodeConfig.builder()
                .numGpus(0)
                .numCpus(1)
                .prestartWorkers(0)
                .resource("nodeD", 1)
                .objectStoreCapacity(64 * MIB)
                .reportPeriod(Duration.ofMillis(200))
                .workerExitGrace(Duration.ofSeconds(2))
                .workerJvmOptions(
                    List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    String deadId = nodeD.nodeId();
    // No retries: a result that cannot be rebuilt from lineage is lost with its node.
    ObjectRef<long[]> onD =
        Prism.task(ObjectTransferTest::bigArray, 1 << 20)
            .setResource("nodeD", 1.0)
            .setMaxRetries(0)
            .remote();
    assertThat(Prism.wait(List.of(onD), 1, WAIT).ready()).hasSize(1);
    assertThat(cluster.removeNode(nodeD)).isTrue();
    long started = System.nanoTime();
    assertThatThrownBy(() -> Prism.get(onD, WAIT))
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining(deadId)
        .hasMessageContaining(nodeA.nodeId());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    assertThatThrownBy(() -> fetchOnB(ObjectId.random(), deadId))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains(deadId);
            });
  }

  static long[] bigArray(int length) {
    long[] a = new long[length];
    java.util.Arrays.fill(a, 7);
    return a;
  }

  @Test
  void aPulledCopyIsASecondaryThatTheStoreMayEvict() throws Exception {
    NodeManager nodeC =
        cluster.addNode(
            NodeConfig.builder()
                .numGpus(0)
                .numCpus(1)
                .prestartWorkers(0)
                .objectStoreCapacity(160 * MIB)
                .reportPeriod(Duration.ofMillis(200))
                .build());
    ManagedChannel channelC =
        NettyChannelBuilder.forTarget(nodeC.address())
            .usePlaintext()
            .intercept(TokenAuth.clientInterceptor(ClusterToken.processDefault()))
            .build();
    try (StoreClient storeC = StoreClient.connect(nodeC.storeSocketPath())) {
      ObjectManagerServiceGrpc.ObjectManagerServiceBlockingStub c =
          ObjectManagerServiceGrpc.newBlockingStub(channelC)
              .withDeadlineAfter(60, TimeUnit.SECONDS);
      ObjectId first = putPattern(storeA, 100 * MIB);
      ObjectId second = putPattern(storeA, 100 * MIB);
      assertThat(c.fetchObject(request(first, nodeA.nodeId())).getPulled()).isTrue();
      assertThat(storeC.list())
          .filteredOn(i -> i.id().equals(first))
          .singleElement()
          .extracting(ObjectInfo::copy)
          .isEqualTo(CopyKind.SECONDARY);
      // No room for both: the store drops the unpinned secondary copy to make room.
      assertThat(c.fetchObject(request(second, nodeA.nodeId())).getPulled()).isTrue();
      assertThat(storeC.contains(first)).as("evicted").isFalse();
      assertThat(storeC.contains(second)).isTrue();
      // Read again: pulled again.
      assertThat(c.fetchObject(request(first, nodeA.nodeId())).getPulled()).isTrue();
      assertThat(nodeC.objectPullCount()).isEqualTo(3);
      storeA.delete(first);
      storeA.delete(second);
    } finally {
      channelC.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      cluster.removeNode(nodeC);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static FetchObjectRequest request(ObjectId id, String source) {
    return FetchObjectRequest.newBuilder()
        .setObjectId(ByteString.copyFrom(id.toBytes()))
        .setSourceNodeId(source)
        .build();
  }

  private static FetchObjectReply fetchOnB(ObjectId id, String source) {
    return ObjectManagerServiceGrpc.newBlockingStub(channelB)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .fetchObject(request(id, source));
  }

  private static CopyKind copyIn(NodeManager node, ObjectId id) {
    try (StoreClient c = StoreClient.connect(node.storeSocketPath())) {
      return c.list().stream()
          .filter(i -> i.id().equals(id))
          .map(ObjectInfo::copy)
          .findFirst()
          .orElse(null);
    }
  }
}
