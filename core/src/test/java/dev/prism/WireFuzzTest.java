package dev.prism;

import static dev.prism.FuzzSockets.dataRequest;
import static dev.prism.FuzzSockets.drainUntilClosed;
import static dev.prism.FuzzSockets.frame;
import static dev.prism.FuzzSockets.frameLength;
import static dev.prism.FuzzSockets.hello;
import static dev.prism.FuzzSockets.readSome;
import static dev.prism.FuzzSockets.readWithin;
import static dev.prism.FuzzSockets.storeConnectionThreads;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.WorkerInfo;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.CreatePlacementGroupReply;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.ListPlacementGroupsRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.rpc.OpenPullReply;
import dev.prism.runtime.rpc.OpenPullRequest;
import dev.prism.runtime.rpc.PlacementGroupState;
import dev.prism.runtime.rpc.PrepareBundlesRequest;
import dev.prism.runtime.rpc.RegisterNodeRequest;
import dev.prism.runtime.rpc.RemovePlacementGroupRequest;
import dev.prism.runtime.rpc.ReturnBundlesRequest;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.runtime.rpc.UnregisterNodeRequest;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.StoreStats;
import dev.prism.store.internal.Protocol;
import io.grpc.ManagedChannel;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A deterministic wire fuzzer against every listening endpoint of a running embedded cluster: the
 * GCS, the node manager (node manager and object manager services), an actor's worker process, the
 * node's object data port and its object store socket. Each gets garbage bytes, truncated frames,
 * oversized messages, and (over gRPC) nonsensical requests to every RPC built from the service
 * descriptors. Every call has a deadline; a call that runs into it is a hang. Afterwards the
 * servers must still be up, a normal workload must run, and nothing may be left behind (leases,
 * bundles, pins, connections, sender threads).
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WireFuzzTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  /** The deadline of every fuzzed call: generous, the machine is shared. */
  static final Duration CALL = Duration.ofSeconds(15);

  /** Random requests per RPC. */
  static final int ROUNDS = 25;

  /**
   * RPCs left out of the random requests, and why: each does by design what its name says to the
   * process it is sent to, whatever the ids. RPCs that act on the ids they are given get random
   * ids, which match nothing; those that register or reserve something are undone after each
   * request that succeeded (see {@link #undo}).
   */
  static final Map<String, String> EXCLUDED =
      Map.of(
          "prism.rpc.CoreWorkerService/Exit",
          "asks the worker to exit: it does, by design",
          "prism.rpc.CoreWorkerService/CreateActor",
          "makes the process host a new actor: the fuzzed actor's process would by design");

  /**
   * Outcomes that fail the test: a hang (the deadline passed), an exception that escaped a handler
   * (UNKNOWN), a dropped server (UNAVAILABLE, CANCELLED), or a reply the client could not read
   * (INTERNAL).
   */
  static final Set<Status.Code> BAD =
      Set.of(
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNKNOWN,
          Status.Code.UNAVAILABLE,
          Status.Code.CANCELLED,
          Status.Code.INTERNAL);

  static EmbeddedCluster cluster;
  static ActorHandle<Echo> actor;
  static ObjectRef<byte[]> large;
  static WorkerInfo actorWorker;
  static final Random SEEDS = new Random(8);

  /** The workload's actor. */
  public static final class Echo {
    public Echo() {}

    public long pid() {
      return ProcessHandle.current().pid();
    }

    public int echo(int x) {
      return x;
    }
  }

  public static int plusOne(int x) {
    return x + 1;
  }

  public static int sum(byte[] data) {
    int s = 0;
    for (byte b : data) {
      s += b;
    }
    return s;
  }

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(ClusterFixture.smallNode().build());
    Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
    actor = Prism.actor(Echo::new).remote();
    long pid = Prism.get(actor.task(Echo::pid).remote(), WAIT);
    actorWorker =
        cluster.headNode().workers().stream().filter(w -> w.pid() == pid).findFirst().orElseThrow();
    byte[] data = new byte[8 << 20];
    data[5] = 3;
    large = Prism.put(data);
    workload();
  }

  @AfterAll
  static void stop() {
    try {
      Prism.shutdown();
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    ClusterFixture.awaitNothingLeft();
  }

  /** Tasks, an actor call, and put/get of a large object. */
  static void workload() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      refs.add(Prism.task(WireFuzzTest::plusOne, i).remote());
    }
    assertThat(Prism.get(refs, WAIT)).containsExactly(1, 2, 3, 4);
    assertThat(Prism.get(actor.task(Echo::echo, 41).remote(), WAIT)).isEqualTo(41);
    assertThat(Prism.get(Prism.task(WireFuzzTest::sum, large).remote(), WAIT)).isEqualTo(3);
    byte[] again = new byte[6 << 20];
    again[1] = 9;
    assertThat(Prism.get(Prism.put(again), WAIT)[1]).isEqualTo((byte) 9);
  }

  static NodeManager node() {
    return cluster.headNode();
  }

  static ByteString largeId() {
    return ByteString.copyFrom(CoreWorker.asImpl(large).objectId().toBytes());
  }

  // ------------------------------------------------------------ gRPC: nonsensical requests

  @Test
  @Order(1)
  void everyRpcAnswersNonsensicalRequestsWithoutHangingOrCrashing() throws Exception {
    Map<String, ServiceDescriptor> gcs =
        Map.of(cluster.gcsAddress(), GcsServiceGrpc.getServiceDescriptor());
    List<String> problems = new ArrayList<>();
    Map<String, Map<Status.Code, Integer>> seen = new TreeMap<>();
    FuzzMessages.Hints hints = new FuzzMessages.Hints();
    hints.objectIds.add(largeId());
    fuzzService(cluster.gcsAddress(), GcsServiceGrpc.getServiceDescriptor(), hints, problems, seen);
    fuzzService(
        node().address(), NodeManagerServiceGrpc.getServiceDescriptor(), hints, problems, seen);
    fuzzService(
        node().address(), ObjectManagerServiceGrpc.getServiceDescriptor(), hints, problems, seen);
    fuzzService(
        actorWorker.address(), CoreWorkerServiceGrpc.getServiceDescriptor(), hints, problems, seen);
    seen.forEach((m, codes) -> System.out.println("fuzz " + m + " " + codes));
    assertThat(problems).as("hangs and handler crashes").isEmpty();
    assertThat(gcs).isNotEmpty();
    checkHealthyAndNothingLeft();
  }

  private static void fuzzService(
      String address,
      ServiceDescriptor service,
      FuzzMessages.Hints hints,
      List<String> problems,
      Map<String, Map<Status.Code, Integer>> seen)
      throws Exception {
    ManagedChannel ch = FuzzWire.grpc(address);
    try {
      for (FuzzMessages.Rpc rpc : FuzzMessages.rpcs(service)) {
        if (EXCLUDED.containsKey(rpc.name())) {
          continue;
        }
        Random r = new Random(rpc.name().hashCode() * 31L + 8);
        for (int round = 0; round < ROUNDS; round++) {
          List<byte[]> requests = new ArrayList<>();
          List<DynamicMessage> messages = new ArrayList<>();
          int count = rpc.grpc().getType().clientSendsOneMessage() ? 1 : 1 + r.nextInt(3);
          for (int i = 0; i < count; i++) {
            DynamicMessage m = FuzzMessages.random(rpc.input(), r, hints);
            messages.add(m);
            requests.add(m.toByteArray());
          }
          FuzzMessages.Outcome outcome = FuzzMessages.call(ch, rpc.grpc(), requests, CALL);
          seen.computeIfAbsent(rpc.name(), k -> new TreeMap<>())
              .merge(outcome.code(), 1, Integer::sum);
          if (!outcome.ok()) {
            System.out.println(
                "fuzz-outcome "
                    + rpc.name()
                    + " "
                    + outcome
                    + " "
                    + requests.stream().mapToInt(b -> b.length).sum()
                    + " bytes");
          }
          if (BAD.contains(outcome.code())) {
            problems.add(
                rpc.name()
                    + " round "
                    + round
                    + ": "
                    + outcome
                    + " for "
                    + abbreviate(messages.get(0)));
          }
          undo(ch, rpc.name(), messages.get(0), outcome);
        }
      }
    } finally {
      ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static String abbreviate(DynamicMessage m) {
    String s = m.toString().replace('\n', ' ');
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  /** Undoes what a request did by design: registered nodes, reserved resources, leases. */
  private static void undo(
      ManagedChannel ch, String rpc, DynamicMessage request, FuzzMessages.Outcome outcome)
      throws InvalidProtocolBufferException {
    if (!outcome.ok()) {
      return;
    }
    switch (rpc) {
      case "prism.rpc.GcsService/RegisterActor" -> {
        ByteString id =
            dev.prism.runtime.rpc.RegisterActorReply.parseFrom(outcome.replies().get(0))
                .getActor()
                .getActorId();
        GcsServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(CALL)
            .killActor(
                dev.prism.runtime.rpc.KillActorRequest.newBuilder()
                    .setActorId(id)
                    .setNoRestart(true)
                    .build());
      }
      case "prism.rpc.GcsService/RegisterNode" -> {
        String id = RegisterNodeRequest.parseFrom(request.toByteArray()).getNode().getNodeId();
        GcsServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(CALL)
            .unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(id).build());
      }
      case "prism.rpc.GcsService/CreatePlacementGroup" -> {
        ByteString id =
            CreatePlacementGroupReply.parseFrom(outcome.replies().get(0))
                .getGroup()
                .getPlacementGroupId();
        GcsServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(CALL)
            .removePlacementGroup(
                RemovePlacementGroupRequest.newBuilder().setPlacementGroupId(id).build());
      }
      case "prism.rpc.NodeManagerService/RequestWorkerLease" -> {
        LeaseReply reply = LeaseReply.parseFrom(outcome.replies().get(0));
        if (reply.hasGranted()) {
          ByteString lease = LeaseRequest.parseFrom(request.toByteArray()).getLeaseId();
          NodeManagerServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(CALL)
              .returnWorkerLease(ReturnLeaseRequest.newBuilder().setLeaseId(lease).build());
        }
      }
      case "prism.rpc.NodeManagerService/PrepareBundles",
          "prism.rpc.NodeManagerService/CommitBundles" -> {
        PrepareBundlesRequest bundles = PrepareBundlesRequest.parseFrom(request.toByteArray());
        NodeManagerServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(CALL)
            .returnBundles(
                ReturnBundlesRequest.newBuilder()
                    .addAllBundles(bundles.getBundlesList())
                    .setReason("fuzz")
                    .build());
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------ gRPC ports: raw bytes

  @Test
  @Order(2)
  void grpcPortsDropGarbageTruncatedAndOversizedFrames() throws Exception {
    List<String> ports = List.of(cluster.gcsAddress(), node().address(), actorWorker.address());
    Random r = new Random(2);
    List<String> problems = new ArrayList<>();
    for (String hp : ports) {
      String host = hp.substring(0, hp.lastIndexOf(':'));
      int port = Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1));
      // garbage instead of the HTTP/2 preface
      try (SocketChannel ch = FuzzWire.tcp(host, port)) {
        ch.write(ByteBuffer.wrap(FuzzMessages.bytes(r, 4096)));
        expect(problems, hp + " garbage", Http2Probe.reaction(ch, CALL), "closed", "goaway");
      }
      // a valid start, then a frame header that claims 16 MiB and the connection ends
      try (SocketChannel ch = FuzzWire.tcp(host, port)) {
        ch.write(ByteBuffer.wrap(Http2Probe.openCall("/dev.prism.rpc.GcsService/GetAllNodes")));
        byte[] header = Http2Probe.frame(Http2Probe.DATA, 0, 1, new byte[0]);
        header[0] = (byte) 0xff;
        header[1] = (byte) 0xff;
        header[2] = (byte) 0xff;
        ch.write(ByteBuffer.wrap(header));
        ch.write(ByteBuffer.wrap(FuzzMessages.bytes(r, 100)));
        // the call itself (no token) may be refused before the bad frame is read: an answer
        // with an error status ("headers") is as good as a dropped connection
        expect(
            problems,
            hp + " oversized frame",
            Http2Probe.reaction(ch, CALL),
            "closed",
            "goaway",
            "headers");
      }
      // gRPC message length prefixes of 2^31 (negative as an int) and 2^31 - 1
      for (int length : new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        if (length == Integer.MAX_VALUE && hp.equals(actorWorker.address())) {
          continue; // workers accept messages of any size by design (CoreWorker's server)
        }
        try (SocketChannel ch = FuzzWire.tcp(host, port)) {
          String path =
              hp.equals(actorWorker.address())
                  ? "/dev.prism.rpc.CoreWorkerService/GetObject"
                  : hp.equals(cluster.gcsAddress())
                      ? "/dev.prism.rpc.GcsService/GetAllNodes"
                      : "/dev.prism.rpc.NodeManagerService/GetNodeInfo";
          ch.write(ByteBuffer.wrap(Http2Probe.openCall(path)));
          ch.write(ByteBuffer.wrap(Http2Probe.messagePrefix(length, FuzzMessages.bytes(r, 64))));
          expect(
              problems,
              hp + " length prefix " + Integer.toUnsignedString(length),
              Http2Probe.reaction(ch, CALL),
              "rst",
              "headers",
              "goaway",
              "closed");
        }
      }
      // a truncated message: the prefix says 100 bytes, 10 come, the connection ends
      try (SocketChannel ch = FuzzWire.tcp(host, port)) {
        ch.write(ByteBuffer.wrap(Http2Probe.openCall("/dev.prism.rpc.GcsService/KvGet")));
        ch.write(ByteBuffer.wrap(Http2Probe.messagePrefix(100, FuzzMessages.bytes(r, 10))));
      }
    }
    // a message over the GCS's and the node manager's inbound limit, through a real client
    for (String hp : List.of(cluster.gcsAddress(), node().address())) {
      ManagedChannel ch = FuzzWire.grpc(hp);
      try {
        var method =
            hp.equals(cluster.gcsAddress())
                ? GcsServiceGrpc.getKvPutMethod()
                : NodeManagerServiceGrpc.getGetNodeInfoMethod();
        byte[] big =
            dev.prism.runtime.rpc.KvPutRequest.newBuilder()
                .setKey("k")
                .setValue(ByteString.copyFrom(new byte[5 << 20]))
                .build()
                .toByteArray();
        FuzzMessages.Outcome o = FuzzMessages.call(ch, method, List.of(big), CALL);
        assertThat(o.code())
            .as("%s: a 5 MiB message", hp)
            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      } finally {
        ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    assertThat(problems).isEmpty();
    checkHealthyAndNothingLeft();
  }

  private static void expect(
      List<String> problems, String what, String reaction, String... allowed) {
    if (!Set.of(allowed).contains(reaction)) {
      problems.add(what + ": " + reaction + ", expected one of " + List.of(allowed));
    }
  }

  // ------------------------------------------------------------ object data port

  @Test
  @Order(3)
  void objectDataPortAnswersOrDropsBadRequests() throws Exception {
    ManagedChannel grpc = FuzzWire.grpc(node().address());
    OpenPullReply open;
    try {
      open =
          ObjectManagerServiceGrpc.newBlockingStub(grpc)
              .withDeadlineAfter(CALL)
              .openPull(OpenPullRequest.newBuilder().setObjectId(largeId()).build());
    } finally {
      grpc.shutdownNow();
    }
    assertThat(open.getDataPort()).isPositive();
    String host = open.getDataHost().isEmpty() ? node().host() : open.getDataHost();
    int port = open.getDataPort();
    Random r = new Random(3);
    byte[] realId = largeId().toByteArray();
    // garbage, a bad version, unknown ids, offsets out of range: a status byte, then the end
    List<byte[]> requests = new ArrayList<>();
    requests.add(FuzzMessages.bytes(r, 4 + 1 + 32 + ObjectId.SIZE + 8));
    requests.add(dataRequest(0x50525846, (byte) 99, realId, 0));
    requests.add(dataRequest(0x50525846, (byte) 2, FuzzMessages.bytes(r, ObjectId.SIZE), 0));
    requests.add(dataRequest(0x50525846, (byte) 2, realId, -1));
    requests.add(dataRequest(0x50525846, (byte) 2, realId, Long.MAX_VALUE));
    requests.add(dataRequest(0x50525846, (byte) 2, realId, open.getTotalSize() + 1));
    for (byte[] request : requests) {
      try (SocketChannel ch = FuzzWire.tcp(host, port)) {
        ch.write(ByteBuffer.wrap(request));
        ByteBuffer status = ByteBuffer.allocate(1);
        ch.socket().setSoTimeout((int) CALL.toMillis());
        int n = readWithin(ch, status);
        assertThat(n).as("a status byte for a bad data request").isEqualTo(1);
        assertThat(status.get(0)).as("status of a bad data request").isNotEqualTo((byte) 0);
      }
    }
    // truncated requests and a reader that goes away mid-object
    for (int cut : new int[] {0, 1, 5, 20}) {
      try (SocketChannel ch = FuzzWire.tcp(host, port)) {
        ch.write(ByteBuffer.wrap(dataRequest(0x50525846, (byte) 2, realId, 0), 0, cut));
      }
    }
    try (SocketChannel ch = FuzzWire.tcp(host, port)) {
      ch.write(ByteBuffer.wrap(dataRequest(0x50525846, (byte) 2, realId, 0)));
      readWithin(ch, ByteBuffer.allocate(1 << 16));
    }
    // a valid request still streams the whole object
    try (SocketChannel ch = FuzzWire.tcp(host, port)) {
      ch.write(ByteBuffer.wrap(dataRequest(0x50525846, (byte) 2, realId, 0)));
      long total = 0;
      ByteBuffer in = ByteBuffer.allocate(1 << 20);
      int n;
      while ((n = readWithin(ch, in)) > 0) {
        total += n;
        in.clear();
      }
      assertThat(total).isEqualTo(1 + 8 + open.getTotalSize());
    }
    checkHealthyAndNothingLeft();
  }

  // ------------------------------------------------------------ object store socket

  @Test
  @Order(4)
  void storeSocketDropsGarbageAndForgetsWhatDroppedClientsHeld() throws Exception {
    Path socket = node().storeSocketPath();
    StoreStats before = node().store().stats();
    ObjectId large = ObjectId.of(largeId().toByteArray());
    int largePins = pinCount(large);
    Random r = new Random(4);
    // garbage, a negative and an oversized length prefix, a frame before HELLO
    for (byte[] bytes :
        List.of(
            FuzzMessages.bytes(r, 512),
            frameLength(Integer.MIN_VALUE),
            frameLength(Integer.MAX_VALUE),
            frameLength(Protocol.MAX_REQUEST + 1),
            frame(Protocol.STATS))) {
      try (SocketChannel ch = FuzzWire.unix(socket)) {
        ch.write(ByteBuffer.wrap(bytes));
        assertThat(drainUntilClosed(ch))
            .as("the store closes a connection sending garbage")
            .isTrue();
      }
    }
    // after HELLO: unknown ops, truncated bodies, trailing bytes
    for (byte[] bytes :
        List.of(
            frame((byte) 99),
            frame(Protocol.GET, new byte[3]),
            frame(Protocol.CONTAINS, new byte[ObjectId.SIZE + 5]),
            frame(Protocol.HELLO))) {
      try (SocketChannel ch = FuzzWire.unix(socket)) {
        ch.write(ByteBuffer.wrap(hello()));
        ch.write(ByteBuffer.wrap(bytes));
        assertThat(drainUntilClosed(ch))
            .as("the store closes a connection after a bad frame")
            .isTrue();
      }
    }
    // clients that create, pin or wait, then vanish: nothing stays behind
    byte[] fresh = FuzzMessages.bytes(r, ObjectId.SIZE);
    byte[] huge = FuzzMessages.bytes(r, ObjectId.SIZE);
    byte[] negative = FuzzMessages.bytes(r, ObjectId.SIZE);
    try (SocketChannel ch = FuzzWire.unix(socket)) {
      ch.write(ByteBuffer.wrap(hello()));
      ch.write(
          ByteBuffer.wrap(
              frame(
                  Protocol.CREATE,
                  ByteBuffer.allocate(ObjectId.SIZE + 17)
                      .order(Protocol.ORDER)
                      .put(fresh)
                      .putLong(1 << 20)
                      .put((byte) 0)
                      .putLong(1_000_000_000L)
                      .array())));
      ch.write(
          ByteBuffer.wrap(
              frame(
                  Protocol.GET,
                  ByteBuffer.allocate(ObjectId.SIZE + 8)
                      .order(Protocol.ORDER)
                      .put(large.toBytes())
                      .putLong(1_000_000_000L)
                      .array())));
      ch.write(
          ByteBuffer.wrap(
              frame(
                  Protocol.CREATE,
                  ByteBuffer.allocate(ObjectId.SIZE + 17)
                      .order(Protocol.ORDER)
                      .put(huge)
                      .putLong(Long.MAX_VALUE)
                      .put((byte) 0)
                      .putLong(0)
                      .array())));
      ch.write(
          ByteBuffer.wrap(
              frame(
                  Protocol.CREATE,
                  ByteBuffer.allocate(ObjectId.SIZE + 17)
                      .order(Protocol.ORDER)
                      .put(negative)
                      .putLong(-5)
                      .put((byte) 0)
                      .putLong(0)
                      .array())));
      readSome(ch);
    }
    try (SocketChannel ch = FuzzWire.unix(socket)) {
      ch.write(ByteBuffer.wrap(hello()));
      // waits (the object never comes) for an hour, then the client goes away
      ch.write(
          ByteBuffer.wrap(
              frame(
                  Protocol.GET,
                  ByteBuffer.allocate(ObjectId.SIZE + 8)
                      .order(Protocol.ORDER)
                      .put(FuzzMessages.bytes(r, ObjectId.SIZE))
                      .putLong(TimeUnit.HOURS.toNanos(1))
                      .array())));
      Thread.sleep(200);
    }
    Awaitility.await("the store forgets dropped clients")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              StoreStats now = node().store().stats();
              // Counts may only fall meanwhile: idle workers exit with their store connections, and
              // the objects of the previous test's workload are freed once the driver drops the
              // refs.
              // What the dropped clients pinned or created is checked by id.
              assertThat(now.clients()).isLessThanOrEqualTo(before.clients());
              assertThat(now.pinnedCount()).isLessThanOrEqualTo(before.pinnedCount());
              assertThat(now.objectCount()).isLessThanOrEqualTo(before.objectCount());
              assertThat(pinCount(large))
                  .as("pins on the object the dropped client got")
                  .isEqualTo(largePins);
              assertThat(storeConnectionThreads()).isEqualTo(now.clients());
            });
    for (byte[] id : List.of(fresh, huge, negative)) {
      assertThat(node().store().contains(ObjectId.of(id)))
          .as("an object a dropped client created")
          .isFalse();
    }
    checkHealthyAndNothingLeft();
  }

  private static int pinCount(ObjectId id) {
    return node().store().list().stream()
        .filter(o -> o.id().equals(id))
        .mapToInt(ObjectInfo::pinCount)
        .findFirst()
        .orElseThrow(() -> new AssertionError("the store lost " + id));
  }

  // ------------------------------------------------------------ what the fuzzer found

  /** The requests that broke a server before, sent on purpose (the fuzzer's seeds may move). */
  @Test
  @Order(5)
  void requestsThatOnceBrokeAServerGetAClearError() throws Exception {
    ManagedChannel gcsChannel = FuzzWire.grpc(cluster.gcsAddress());
    ManagedChannel nodeChannel = FuzzWire.grpc(node().address());
    try {
      var gcs = GcsServiceGrpc.newBlockingStub(gcsChannel);
      var nm = NodeManagerServiceGrpc.newBlockingStub(nodeChannel);
      var badBundle =
          dev.prism.runtime.rpc.BundleProto.newBuilder()
              .setPlacementGroupId(ByteString.copyFrom(new byte[16]))
              .setBundleIndex(-7)
              .build();
      // a negative bundle index escaped the handlers (UNKNOWN)
      assertStatus(
          () ->
              nm.withDeadlineAfter(CALL)
                  .commitBundles(
                      dev.prism.runtime.rpc.CommitBundlesRequest.newBuilder()
                          .addBundles(badBundle)
                          .build()),
          Status.Code.INVALID_ARGUMENT,
          "-7");
      assertStatus(
          () ->
              nm.withDeadlineAfter(CALL)
                  .returnBundles(ReturnBundlesRequest.newBuilder().addBundles(badBundle).build()),
          Status.Code.INVALID_ARGUMENT,
          "-7");
      // node affinity to a blank node id escaped the lease handler (UNKNOWN)
      LeaseReply lease =
          nm.withDeadlineAfter(CALL)
              .requestWorkerLease(
                  LeaseRequest.newBuilder()
                      .setLeaseId(ByteString.copyFrom(FuzzMessages.bytes(new Random(5), 16)))
                      .setStrategy(
                          dev.prism.runtime.rpc.SchedulingStrategyProto.newBuilder()
                              .setNodeAffinity(
                                  dev.prism.runtime.rpc.NodeAffinityProto.newBuilder()
                                      .setNodeId("")))
                      .build());
      assertThat(lease.getInfeasible()).contains("blank");
      // a driver or node address nothing can call back was registered (the GCS's driver
      // watcher then threw on every round)
      dev.prism.runtime.rpc.Address noPort =
          dev.prism.runtime.rpc.Address.newBuilder().setHost("127.0.0.1").setPort(0).build();
      assertStatus(
          () ->
              gcs.withDeadlineAfter(CALL)
                  .registerJob(
                      dev.prism.runtime.rpc.RegisterJobRequest.newBuilder()
                          .setDriver(noPort)
                          .build()),
          Status.Code.INVALID_ARGUMENT,
          "127.0.0.1:0");
      assertStatus(
          () ->
              gcs.withDeadlineAfter(CALL)
                  .registerNode(
                      RegisterNodeRequest.newBuilder()
                          .setNode(
                              dev.prism.runtime.rpc.NodeInfo.newBuilder()
                                  .setNodeId("fuzz-node")
                                  .setAddress(noPort))
                          .build()),
          Status.Code.INVALID_ARGUMENT,
          "127.0.0.1:0");
      // a bundle no scheduler can represent was accepted, and stayed pending forever
      assertStatus(
          () ->
              gcs.withDeadlineAfter(CALL)
                  .createPlacementGroup(
                      dev.prism.runtime.rpc.CreatePlacementGroupRequest.newBuilder()
                          .addBundles(
                              dev.prism.runtime.rpc.ResourceAmounts.newBuilder()
                                  .putAmounts("CPU", Long.MAX_VALUE))
                          .build()),
          Status.Code.INVALID_ARGUMENT,
          "CPU");
      // an error naming a huge value overflowed the client's trailer limit (INTERNAL)
      String huge = "n".repeat(70_000);
      assertStatus(
          () ->
              gcs.withDeadlineAfter(CALL)
                  .reportResources(
                      dev.prism.runtime.rpc.ReportResourcesRequest.newBuilder()
                          .setNodeId(huge)
                          .build()),
          Status.Code.NOT_FOUND,
          "characters in all");
    } finally {
      gcsChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      nodeChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    checkHealthyAndNothingLeft();
  }

  private static void assertStatus(Runnable call, Status.Code code, String inDescription) {
    try {
      call.run();
    } catch (io.grpc.StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(inDescription);
      return;
    }
    throw new AssertionError("the call succeeded; expected " + code);
  }

  // ------------------------------------------------------------ health and leaks

  /**
   * The servers answer, the actor's process is the same one, a normal workload runs, and no lease,
   * bundle, placement group, pin or sender thread is left.
   */
  static void checkHealthyAndNothingLeft() throws InterruptedException {
    ManagedChannel gcs = FuzzWire.grpc(cluster.gcsAddress());
    try {
      assertThat(
              GcsServiceGrpc.newBlockingStub(gcs)
                  .withDeadlineAfter(CALL)
                  .getAllNodes(GetAllNodesRequest.getDefaultInstance())
                  .getNodesList())
          .anyMatch(n -> n.getNodeId().equals(node().nodeId()) && n.getAlive());
      assertThat(
              GcsServiceGrpc.newBlockingStub(gcs)
                  .withDeadlineAfter(CALL)
                  .listPlacementGroups(ListPlacementGroupsRequest.getDefaultInstance())
                  .getGroupsList())
          .allMatch(g -> g.getState() == PlacementGroupState.PG_REMOVED);
    } finally {
      gcs.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(actorWorker.pid()).map(ProcessHandle::isAlive))
        .as("the fuzzed worker process is alive")
        .contains(true);
    workload();
    Awaitility.await("every lease and bundle is back")
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(node().availableResources()).isEqualTo(node().totalResources()));
    Awaitility.await("no object data sender is left")
        .atMost(WAIT)
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("prism-data-send-") && t.isAlive()));
    assertThat(cluster.gcs().nodes()).filteredOn(n -> n.getAlive()).hasSize(1);
  }
}
