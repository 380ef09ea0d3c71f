package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.GetTimeoutException;
import dev.prism.ObjectLostException;
import dev.prism.ObjectRef;
import dev.prism.PrismException;
import dev.prism.WaitResult;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.GetObjectReply;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.store.ObjectId;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreConfig;
import dev.prism.store.StoreServer;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The object reader with fakes around it: a real memory store, reference counter, codec and node
 * store (an in-process store server in a temp dir), a fake owner of borrowed objects and a fake
 * node manager that copies objects from "other nodes" (small gRPC servers on this host), and a
 * plain Java host. Covers values in memory, in this node's store, borrowed from an owner, on
 * another node, timeouts, freed and lost objects, rebuilding from lineage, waits and arguments.
 */
class ObjectReaderTest {

  private static final String SELF_ID = "00000000000000aa";
  private static final String NODE = "node-here";
  private static final Address SELF =
      Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId(SELF_ID).build();

  /** An owner of borrowed objects that answers gets with {@link #answer}. */
  private static final class FakeOwner extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {
    final BlockingQueue<GetObjectRequest> gets = new LinkedBlockingQueue<>();
    volatile Function<GetObjectRequest, GetObjectReply> answer = r -> timeoutReply();

    @Override
    public void getObject(GetObjectRequest request, StreamObserver<GetObjectReply> reply) {
      gets.add(request);
      GetObjectReply answered = answer.apply(request);
      if (answered.getStatus() == GetObjectReply.Status.TIMEOUT) {
        sleep(20); // a long poll that found nothing: do not spin
      }
      reply.onNext(answered);
      reply.onCompleted();
    }
  }

  /**
   * A node manager whose "other nodes" hold {@link #elsewhere}: a fetch writes the object into this
   * node's store, as the real one pulls a copy; an object no other node has is NOT_FOUND.
   */
  private final class FakeNodeManager
      extends ObjectManagerServiceGrpc.ObjectManagerServiceImplBase {
    final Map<ObjectId, Object> elsewhere = new ConcurrentHashMap<>();
    final BlockingQueue<FetchObjectRequest> fetches = new LinkedBlockingQueue<>();

    @Override
    public void fetchObject(FetchObjectRequest request, StreamObserver<FetchObjectReply> reply) {
      fetches.add(request);
      ObjectId id = ObjectId.of(request.getObjectId().toByteArray());
      Object value = elsewhere.get(id);
      if (value == null) {
        reply.onError(
            Status.NOT_FOUND
                .withDescription("node " + request.getSourceNodeId() + " is gone")
                .asRuntimeException());
        return;
      }
      ValueCodec.Encoded e = codec.encode(value);
      codec.writeToStore(nodeManagerStore, id, e);
      reply.onNext(FetchObjectReply.newBuilder().setSize(e.size()).setPulled(true).build());
      reply.onCompleted();
    }
  }

  /** The process the reader runs in, as plain fields. */
  private final class FakeHost implements ObjectReader.Host {
    volatile boolean alive = true;
    volatile BiPredicate<ObjectId, String> rebuild = (id, node) -> false;
    final List<String> rebuiltFrom = new CopyOnWriteArrayList<>();
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger exited = new AtomicInteger();

    @Override
    public void checkAlive() {
      if (!alive) {
        throw new PrismException("Prism was shut down");
      }
    }

    @Override
    public String workerId() {
      return SELF_ID;
    }

    @Override
    public String nodeId() {
      return NODE;
    }

    @Override
    public boolean reconstruct(ObjectId id, String lostNodeId) {
      rebuiltFrom.add(lostNodeId);
      return rebuild.test(id, lostNodeId);
    }

    @Override
    public boolean enterBlocking() {
      entered.incrementAndGet();
      return true;
    }

    @Override
    public void exitBlocking() {
      exited.incrementAndGet();
    }
  }

  @TempDir Path tmp;

  private final FakeHost host = new FakeHost();
  private final MemoryStore memory = new MemoryStore();
  private final List<ObjectId> borrowsRegistered = new CopyOnWriteArrayList<>();
  private final ReferenceCounter references =
      new ReferenceCounter(
          SELF_ID,
          new ReferenceCounter.Listener() {
            @Override
            public void ownedObjectFreed(ObjectId id, List<ObjectId> contained) {}

            @Override
            public void borrowReleased(
                ObjectId id, Address owner, boolean ownerKnows, List<ObjectId> contained) {}
          });
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  private ValueCodec codec;
  private StoreServer storeServer;
  private StoreClient store;
  private StoreClient nodeManagerStore;
  private ScheduledExecutorService timer;
  private BorrowNotifier borrows;
  private FakeOwner owner;
  private Server ownerServer;
  private Address ownerAddress;
  private FakeNodeManager nodeManager;
  private Server nodeManagerServer;
  private ObjectReader reader;
  private ObjectRefImpl.Session session;

  @BeforeEach
  void start() throws IOException {
    codec =
        new ValueCodec(
            new ObjectSerializer(getClass().getClassLoader()),
            refs -> refs.forEach(r -> borrowsRegistered.add(r.objectId())));
    storeServer =
        StoreServer.start(
            StoreConfig.builder()
                .capacity(16L << 20)
                .socketDirectory(tmp)
                .spillDirectory(tmp.resolve("spill"))
                .defaultTimeout(Duration.ofSeconds(10))
                .build());
    store = storeServer.connect();
    nodeManagerStore = storeServer.connect();
    timer = Executors.newSingleThreadScheduledExecutor();
    owner = new FakeOwner();
    ownerServer = serve(owner);
    ownerAddress =
        Address.newBuilder()
            .setHost("127.0.0.1")
            .setPort(ownerServer.getPort())
            .setWorkerId("00000000000000bb")
            .build();
    nodeManager = new FakeNodeManager();
    nodeManagerServer = serve(nodeManager);
    borrows =
        new BorrowNotifier(
            new BorrowNotifier.Host() {
              @Override
              public Address self() {
                return SELF;
              }

              @Override
              public io.grpc.Channel channelTo(Address process) {
                return channel(process.getPort());
              }

              @Override
              public boolean isShutdown() {
                return !host.alive;
              }

              @Override
              public StoredValue errorValue(TaskError error) {
                return StoredValue.inline(ValueFormat.ERROR, codec.encodeError(error), List.of());
              }
            },
            timer);
    reader =
        new ObjectReader(
            host,
            memory,
            references,
            borrows,
            codec,
            store,
            new RemoteObjects(NODE, channel(nodeManagerServer.getPort())));
    session =
        new ObjectRefImpl.Session() {
          @Override
          public <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
            return reader.get(ref, timeout);
          }

          @Override
          public boolean isShutdown() {
            return !host.alive;
          }

          @Override
          public ReferenceCounter references() {
            return references;
          }
        };
  }

  @AfterEach
  void stop() throws InterruptedException {
    host.alive = false;
    borrows.close();
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
    ownerServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    nodeManagerServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    nodeManagerStore.close();
    store.close();
    storeServer.close();
  }

  @Test
  void anOwnedValueIsReadFromTheMemoryStore() {
    ObjectRefImpl<String> ref = owned();
    memory.slot(ref.objectId()).complete(inline("hello"));
    assertThat(ref.get()).isEqualTo("hello");
    assertThat(nodeManager.fetches).as("nothing was fetched").isEmpty();
    assertThat(owner.gets).isEmpty();
  }

  @Test
  void aValueInThisNodesStoreIsReadFromTheStore() {
    ObjectRefImpl<int[]> ref = owned();
    int[] large = new int[40_000];
    for (int i = 0; i < large.length; i++) {
      large[i] = i * 3;
    }
    ValueCodec.Encoded e = codec.encode(large);
    assertThat(e.format()).isEqualTo(ValueFormat.PRIMITIVE_ARRAY);
    codec.writeToStore(store, ref.objectId(), e);
    memory
        .slot(ref.objectId())
        .complete(StoredValue.inStore(e.format(), NODE, e.size(), List.of()));
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo(large);
    assertThat(nodeManager.fetches).as("it was already on this node").isEmpty();
  }

  @Test
  void aBorrowedValueIsAskedOfItsOwnerAndCachedWhileTracked() {
    ObjectRefImpl<String> ref = borrowed();
    owner.answer = r -> readyReply("borrowed");
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo("borrowed");
    assertThat(owner.gets).hasSize(1);
    assertThat(owner.gets.peek().getObjectId()).isEqualTo(bytes(ref.objectId()));
    assertThat(memory.find(ref.objectId())).as("cached").isNotNull();
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo("borrowed");
    assertThat(owner.gets).as("the second get used the cache").hasSize(1);
    assertThat(host.entered.get()).isEqualTo(host.exited.get()).isEqualTo(1);
  }

  @Test
  void aValueOnAnotherNodeIsCopiedToThisNodeFirst() {
    ObjectRefImpl<String> ref = owned();
    nodeManager.elsewhere.put(ref.objectId(), "far away");
    memory
        .slot(ref.objectId())
        .complete(StoredValue.inStore(ValueFormat.FORY, "node-there", 100, List.of()));
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo("far away");
    assertThat(nodeManager.fetches).hasSize(1);
    FetchObjectRequest fetch = nodeManager.fetches.peek();
    assertThat(fetch.getSourceNodeId()).isEqualTo("node-there");
    assertThat(fetch.getObjectId()).isEqualTo(bytes(ref.objectId()));
  }

  @Test
  void aGetTimesOutWhenTheValueIsNotReady() {
    ObjectRefImpl<String> pending = owned();
    memory.slot(pending.objectId());
    long start = System.nanoTime();
    assertThatThrownBy(() -> pending.get(Duration.ofMillis(200)))
        .isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining(pending.toString());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(ofMillis(200));

    ObjectRefImpl<String> notYet = borrowed(); // the owner keeps answering TIMEOUT
    assertThatThrownBy(() -> notYet.get(Duration.ofMillis(300)))
        .isInstanceOf(GetTimeoutException.class);
    assertThat(owner.gets).as("the owner was polled").isNotEmpty();
    assertThat(host.entered.get()).isEqualTo(host.exited.get()).isEqualTo(2);
  }

  @Test
  void anOwnedObjectAlreadyFreedIsLost() {
    ObjectRefImpl<String> ref = owned(); // no slot: its value was freed
    assertThatThrownBy(ref::get)
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining("already freed");
    assertThat(owner.gets).isEmpty();
  }

  @Test
  void anErrorValueThrowsTheTasksError() {
    ObjectRefImpl<String> ref = owned();
    memory
        .slot(ref.objectId())
        .complete(
            StoredValue.inline(
                ValueFormat.ERROR,
                codec.encodeError(
                    TaskError.system(TaskError.Kind.OBJECT_LOST, "make", "its worker died")),
                List.of()));
    assertThatThrownBy(ref::get)
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining("its worker died");
  }

  @Test
  void aLostCopyIsRebuiltFromLineageByItsOwner() {
    ObjectRefImpl<String> ref = owned();
    memory
        .slot(ref.objectId())
        .complete(StoredValue.inStore(ValueFormat.FORY, "node-dead", 100, List.of()));
    host.rebuild =
        (id, lostNode) -> {
          memory.reopen(id);
          memory.complete(id, inline("made again"));
          return true;
        };
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo("made again");
    assertThat(host.rebuiltFrom).containsExactly("node-dead");
    assertThat(nodeManager.fetches).hasSize(1);
  }

  @Test
  void aLostCopyThatCannotBeRebuiltIsLost() {
    ObjectRefImpl<String> ref = owned();
    memory
        .slot(ref.objectId())
        .complete(StoredValue.inStore(ValueFormat.FORY, "node-dead", 100, List.of()));
    assertThatThrownBy(() -> ref.get(Duration.ofSeconds(10)))
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining("node-dead")
        .hasMessageContaining(NODE);
    assertThat(host.rebuiltFrom).containsExactly("node-dead");
  }

  @Test
  void aBorrowedLostCopyIsRebuiltByItsOwnerWhenTold() {
    ObjectRefImpl<String> ref = borrowed();
    owner.answer =
        r ->
            r.getLost()
                ? readyReply("rebuilt by the owner")
                : GetObjectReply.newBuilder()
                    .setStatus(GetObjectReply.Status.READY)
                    .setObject(
                        ReturnObject.newBuilder()
                            .setFormat(ValueFormat.FORY)
                            .setSize(100)
                            .setStoredOnNode("node-dead"))
                    .build();
    assertThat(ref.get(Duration.ofSeconds(10))).isEqualTo("rebuilt by the owner");
    List<GetObjectRequest> gets = List.copyOf(owner.gets);
    assertThat(gets).hasSize(2);
    assertThat(gets.get(1).getLost()).isTrue();
    assertThat(gets.get(1).getLostNodeId()).isEqualTo("node-dead");
    assertThat(host.rebuiltFrom).as("only the owner rebuilds").isEmpty();
  }

  @Test
  void waitReturnsTheRefsReadyWithinTheTimeoutInOrder() {
    ObjectRefImpl<String> ready = owned();
    memory.slot(ready.objectId()).complete(inline("a"));
    ObjectRefImpl<String> pending = owned();
    memory.slot(pending.objectId());
    ObjectRefImpl<String> borrowedReady = borrowed();
    owner.answer = r -> readyReply("c");
    List<ObjectRef<String>> refs = List.of(ready, pending, borrowedReady);

    WaitResult<String> two = reader.wait(refs, 2, Duration.ofSeconds(10));
    assertThat(two.ready()).containsExactly(ready, borrowedReady);
    assertThat(two.unready()).containsExactly(pending);

    long start = System.nanoTime();
    WaitResult<String> all = reader.wait(refs, 3, Duration.ofMillis(200));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(ofMillis(200));
    assertThat(all.ready()).containsExactly(ready, borrowedReady);

    memory.complete(pending.objectId(), inline("b"));
    assertThat(reader.wait(refs, 3, Duration.ofSeconds(10)).ready()).hasSize(3);
  }

  @Test
  void waitOnAFreedOwnedObjectCountsItReady() {
    ObjectRefImpl<String> freed = owned();
    WaitResult<String> result = reader.wait(List.of(freed), 1, Duration.ofSeconds(10));
    assertThat(result.ready()).containsExactly(freed);
    assertThatThrownBy(freed::get).isInstanceOf(ObjectLostException.class);
  }

  @Test
  void anArgumentByReferenceIsFetchedWithoutATimeoutAndLendsTheCpu() {
    ObjectRefImpl<String> ref = borrowed();
    owner.answer = r -> owner.gets.size() < 3 ? timeoutReply() : readyReply("argument");
    assertThat(reader.getForArgument(Ids.toProto(ref))).isEqualTo("argument");
    assertThat(owner.gets).hasSize(3);
    assertThat(host.entered.get()).isEqualTo(host.exited.get()).isEqualTo(1);
  }

  @Test
  void aShutDownProcessRefusesReads() {
    ObjectRefImpl<String> ref = owned();
    memory.slot(ref.objectId()).complete(inline("hello"));
    host.alive = false;
    assertThatThrownBy(() -> reader.get(ref, null))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("shut down");
    assertThatThrownBy(() -> reader.wait(List.of(ref), 1, Duration.ofSeconds(1)))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("shut down");
  }

  // ------------------------------------------------------------------ helpers

  private <T> ObjectRefImpl<T> owned() {
    return new ObjectRefImpl<>(session, ObjectId.random(), SELF);
  }

  private <T> ObjectRefImpl<T> borrowed() {
    return new ObjectRefImpl<>(session, ObjectId.random(), ownerAddress);
  }

  private StoredValue inline(Object value) {
    return StoredValue.inline(ValueFormat.FORY, codec.encode(value).bytes(), List.of());
  }

  private GetObjectReply readyReply(Object value) {
    byte[] bytes = codec.encode(value).bytes();
    return GetObjectReply.newBuilder()
        .setStatus(GetObjectReply.Status.READY)
        .setObject(
            ReturnObject.newBuilder()
                .setFormat(ValueFormat.FORY)
                .setSize(bytes.length)
                .setInlineValue(ByteString.copyFrom(bytes)))
        .build();
  }

  private static GetObjectReply timeoutReply() {
    return GetObjectReply.newBuilder().setStatus(GetObjectReply.Status.TIMEOUT).build();
  }

  private static ByteString bytes(ObjectId id) {
    return ByteString.copyFrom(id.toBytes());
  }

  private static Duration ofMillis(long ms) {
    return Duration.ofMillis(ms);
  }

  private ManagedChannel channel(int port) {
    return channels.computeIfAbsent(
        port, p -> NettyChannelBuilder.forAddress("127.0.0.1", p).usePlaintext().build());
  }

  private static Server serve(BindableService service) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service)
        .build()
        .start();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
