package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.ActorHandle;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.KillActorReply;
import dev.prism.runtime.rpc.KillActorRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.RegisterActorReply;
import dev.prism.runtime.rpc.RegisterActorRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.store.ObjectId;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The actor submitter's conversations with the GCS, against a fake GCS (a small gRPC server on this
 * host that records what it is told) and a plain Java host: creating actors (the spec it registers,
 * the lifetime ref of a non-detached actor, a refusal), looking actors up by name, killing them,
 * and destroying an actor whose last handle went.
 */
class ActorSubmitterTest {

  private static final String SELF_ID = "00000000000000aa";
  private static final Address SELF =
      Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId(SELF_ID).build();

  /** An actor class for the factory descriptors. */
  static final class Counter {
    Counter() {}
  }

  /** A GCS that records registrations and kills and answers lookups with {@link #lookup}. */
  private static final class FakeGcs extends GcsServiceGrpc.GcsServiceImplBase {
    final BlockingQueue<RegisterActorRequest> registered = new LinkedBlockingQueue<>();
    final BlockingQueue<KillActorRequest> kills = new LinkedBlockingQueue<>();
    volatile Status refuse;
    volatile GetActorReply lookup = GetActorReply.getDefaultInstance();

    @Override
    public void registerActor(
        RegisterActorRequest request, StreamObserver<RegisterActorReply> reply) {
      if (refuse != null) {
        reply.onError(refuse.asRuntimeException());
        return;
      }
      registered.add(request);
      reply.onNext(RegisterActorReply.getDefaultInstance());
      reply.onCompleted();
    }

    @Override
    public void getActor(GetActorRequest request, StreamObserver<GetActorReply> reply) {
      reply.onNext(lookup);
      reply.onCompleted();
    }

    @Override
    public void killActor(KillActorRequest request, StreamObserver<KillActorReply> reply) {
      kills.add(request);
      reply.onNext(KillActorReply.getDefaultInstance());
      reply.onCompleted();
    }
  }

  /** The process as both submitters see it: ids, its address, puts; nothing else is reached. */
  private final class FakeHost implements TaskSubmitter.Host, ActorSubmitter.Host {
    final List<ValueCodec.Encoded> puts = new CopyOnWriteArrayList<>();
    private long sequence;

    @Override
    public void checkAlive() {}

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public ClassLoader classLoader() {
      return getClass().getClassLoader();
    }

    @Override
    public long workerLong() {
      return 0xaa;
    }

    @Override
    public synchronized long nextSequence() {
      return ++sequence;
    }

    @Override
    public String workerId() {
      return SELF_ID;
    }

    @Override
    public Address address() {
      return SELF;
    }

    @Override
    public ByteString currentJobId() {
      return ByteString.copyFromUtf8("job");
    }

    @Override
    public String namespace() {
      return "ns";
    }

    @Override
    public ObjectRefImpl<?> newOwnedRef(ObjectId id) {
      return new ObjectRefImpl<>(session, id, SELF);
    }

    @Override
    public ObjectRefImpl<?> putEncoded(ValueCodec.Encoded encoded) {
      puts.add(encoded);
      return newOwnedRef(ObjectId.random());
    }

    @Override
    public HostedActor hostedActor() {
      return null;
    }

    @Override
    public void recordResult(ObjectId id, StoredValue value) {
      throw new AssertionError("no results here");
    }

    @Override
    public void discardReply(ObjectId id, StoredValue value) {
      throw new AssertionError("no replies here");
    }

    @Override
    public boolean cancelActorCall(PendingTask task, boolean force) {
      throw new AssertionError("no calls here");
    }

    @Override
    public void cancelRemote(Address worker, ByteString taskId, boolean force, boolean recursive) {
      throw new AssertionError("no calls here");
    }

    @Override
    public NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager() {
      throw new AssertionError("no leases here");
    }

    @Override
    public ManagedChannel channelTo(Address address) {
      throw new AssertionError("no actor is called here");
    }

    @Override
    public void forgetChannel(Address address) {}
  }

  private final FakeHost host = new FakeHost();
  private final MemoryStore memory = new MemoryStore();
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
  private final ObjectRefImpl.Session session =
      new ObjectRefImpl.Session() {
        @Override
        public <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
          throw new AssertionError("no get here");
        }

        @Override
        public boolean isShutdown() {
          return false;
        }

        @Override
        public ReferenceCounter references() {
          return references;
        }
      };
  private final ValueCodec codec =
      new ValueCodec(new ObjectSerializer(getClass().getClassLoader()), refs -> {});
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final FakeGcs gcs = new FakeGcs();
  private Server gcsServer;
  private ManagedChannel gcsChannel;
  private ActorSubmitter actors;

  @BeforeEach
  void start() throws IOException {
    gcsServer =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(gcs)
            .build()
            .start();
    gcsChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", gcsServer.getPort()).usePlaintext().build();
    TaskSubmitter tasks =
        new TaskSubmitter(host, memory, references, codec, timer, WorkerTuning.defaults());
    actors =
        new ActorSubmitter(
            host,
            tasks,
            memory,
            references,
            codec,
            timer,
            gcsChannel,
            "127.0.0.1:" + gcsServer.getPort(),
            Duration.ofSeconds(1));
  }

  @AfterEach
  void stop() throws InterruptedException {
    timer.shutdownNow();
    gcsChannel.shutdownNow();
    gcsServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void creatingAnActorRegistersItsSpecAndKeepsItAliveWithALifetimeRef() throws Exception {
    ActorHandle<?> handle = actors.create(counterFactory(), new Object[] {"start"}, options(false));

    RegisterActorRequest request = gcs.registered.poll(10, TimeUnit.SECONDS);
    assertThat(request).isNotNull();
    ActorCreationSpec spec = request.getSpec();
    assertThat(spec.getOwner()).isEqualTo(SELF);
    assertThat(spec.getNamespace()).as("the caller's namespace").isEqualTo("ns");
    assertThat(spec.getJobId()).isEqualTo(ByteString.copyFromUtf8("job"));
    assertThat(spec.getClassName()).isEqualTo(Counter.class.getName());
    assertThat(spec.getMaxConcurrency()).as("no async methods").isEqualTo(1);
    assertThat(spec.getArgsCount()).isEqualTo(1);
    assertThat(codec.decode(spec.getArgs(0).getInlineValue().toByteArray())).isEqualTo("start");

    ActorHandleImpl<?> impl = (ActorHandleImpl<?>) handle;
    assertThat(impl.actorIdBytes()).isEqualTo(spec.getActorId());
    assertThat(impl.lifetimeRef()).as("not detached: kept alive by a lifetime ref").isNotNull();
    assertThat(host.puts).hasSize(1);

    // The lifetime ref's last reference goes: the actor is destroyed as out of scope.
    assertThat(actors.lifetimeRefFreed(impl.lifetimeRef().objectId())).isTrue();
    KillActorRequest kill = gcs.kills.poll(10, TimeUnit.SECONDS);
    assertThat(kill).isNotNull();
    assertThat(kill.getActorId()).isEqualTo(spec.getActorId());
    assertThat(kill.getOutOfScope()).isTrue();
    assertThat(kill.getNoRestart()).isTrue();
    assertThat(actors.lifetimeRefFreed(impl.lifetimeRef().objectId())).as("once").isFalse();
  }

  @Test
  void aDetachedActorHasNoLifetimeRef() throws Exception {
    ActorHandle<?> handle = actors.create(counterFactory(), new Object[0], options(true));
    assertThat(gcs.registered.poll(10, TimeUnit.SECONDS).getSpec().getDetached()).isTrue();
    assertThat(((ActorHandleImpl<?>) handle).lifetimeRef()).isNull();
    assertThat(host.puts).isEmpty();
  }

  @Test
  void aRefusedCreationFailsAndLetsItsArgumentsGo() {
    gcs.refuse = Status.ALREADY_EXISTS.withDescription("the name 'c' is taken");
    ObjectRefImpl<?> arg = host.newOwnedRef(ObjectId.random());
    memory.slot(arg.objectId());
    assertThatThrownBy(() -> actors.create(counterFactory(), new Object[] {arg}, options(false)))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("the name 'c' is taken");
    assertThat(host.puts).as("no lifetime ref for an actor that does not exist").isEmpty();
    assertThat(gcs.registered).isEmpty();
  }

  @Test
  void aNamedActorIsFoundUnlessItIsDeadOrUnknown() {
    assertThat(actors.byName("c", null)).as("unknown").isEmpty();

    ActorCreationSpec spec =
        ActorCreationSpec.newBuilder()
            .setActorId(ByteString.copyFromUtf8("0123456789abcdef"))
            .setClassName(Counter.class.getName())
            .setMaxTaskRetries(2)
            .setMaxPendingCalls(5)
            .build();
    gcs.lookup =
        GetActorReply.newBuilder()
            .setFound(true)
            .setActor(
                ActorInfo.newBuilder()
                    .setActorId(spec.getActorId())
                    .setSpec(spec)
                    .setState(ActorState.ALIVE))
            .build();
    ActorHandle<?> found = actors.byName("c", null).orElseThrow();
    assertThat(((ActorHandleImpl<?>) found).actorIdBytes()).isEqualTo(spec.getActorId());
    assertThat(found.className()).isEqualTo(Counter.class.getName());

    gcs.lookup =
        gcs.lookup.toBuilder()
            .setActor(gcs.lookup.getActor().toBuilder().setState(ActorState.DEAD))
            .build();
    assertThat(actors.byName("c", null)).as("dead").isEmpty();
  }

  @Test
  void killingAnActorTellsTheGcsWhetherItMayRestart() throws Exception {
    ActorHandle<?> handle = actors.create(counterFactory(), new Object[0], options(true));
    actors.kill(handle, false);
    KillActorRequest restartable = gcs.kills.poll(10, TimeUnit.SECONDS);
    assertThat(restartable.getNoRestart()).isFalse();
    assertThat(restartable.getReason()).contains("restart allowed");

    handle.kill(); // through the handle: for good
    KillActorRequest forGood = gcs.kills.poll(10, TimeUnit.SECONDS);
    assertThat(forGood.getNoRestart()).isTrue();
    assertThat(forGood.getActorId()).isEqualTo(restartable.getActorId());
  }

  // ------------------------------------------------------------------ helpers

  private static FunctionDescriptor counterFactory() {
    return new FunctionDescriptor(
        Counter.class.getName(), "<init>", "()V", FunctionDescriptor.Kind.CONSTRUCTOR);
  }

  private static ActorOptions options(boolean detached) {
    return new ActorOptions(
        ResourceAmounts.getDefaultInstance(),
        detached ? "c" : null,
        null,
        detached,
        0,
        0,
        0,
        -1,
        SchedulingStrategyProto.getDefaultInstance());
  }
}
