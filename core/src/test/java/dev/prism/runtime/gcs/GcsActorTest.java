package dev.prism.runtime.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.prism.runtime.gcs.GcsActorFakes.FakeNodeManager;
import dev.prism.runtime.gcs.GcsActorFakes.FakeWorker;
import dev.prism.runtime.gcs.GcsActorFakes.Returned;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PendingKind;
import dev.prism.runtime.rpc.ResourceAmounts;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GCS actor table through the real client, against fake node managers and workers. */
class GcsActorTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicLong IDS = new AtomicLong();
  private static final ByteString JOB_1 = JobTable.encode(1);
  private static final ByteString JOB_2 = JobTable.encode(2);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private GcsServer gcs;
  private GcsClient client;
  private FakeWorker worker;
  private FakeNodeManager nmA;

  @BeforeEach
  void start() {
    gcs =
        GcsServer.start(
            GcsConfig.builder()
                .healthCheckPeriod(Duration.ofHours(1))
                .nodeTimeout(Duration.ofHours(1))
                .actorRetryPeriod(Duration.ofMillis(50))
                .build());
    client = GcsClient.connect(gcs.address());
    worker = track(new FakeWorker());
    nmA = track(new FakeNodeManager("node-a")).granting(worker);
    register(nmA);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    gcs.close();
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  private void register(FakeNodeManager nm) {
    client.registerNode(
        NodeInfo.newBuilder()
            .setNodeId(nm.nodeId)
            .setAddress(nm.address().toBuilder().clearNodeId())
            .setTotal(ResourceAmounts.newBuilder().putAmounts("CPU", 40_000))
            .build());
  }

  private static ByteString newId() {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(8, IDS.incrementAndGet()).array());
  }

  private static ActorCreationSpec.Builder spec() {
    return ActorCreationSpec.newBuilder()
        .setActorId(newId())
        .setJobId(JOB_1)
        .setOwner(
            Address.newBuilder()
                .setHost("127.0.0.1")
                .setPort(7000)
                .setNodeId("node-a")
                .setWorkerId("driver-1"))
        .setFunction(
            FunctionDescriptorProto.newBuilder()
                .setClassName("demo.Counter")
                .setMethodName("<init>")
                .setKind(FunctionDescriptorProto.Kind.CONSTRUCTOR))
        .setResources(ResourceAmounts.newBuilder().putAmounts("CPU", 10_000))
        .setMaxConcurrency(1)
        .setClassName("demo.Counter");
  }

  private static ActorCreationSpec spec(Consumer<ActorCreationSpec.Builder> edit) {
    ActorCreationSpec.Builder b = spec();
    edit.accept(b);
    return b.build();
  }

  private ActorInfo info(ByteString id) {
    return client.getActor(id).orElseThrow();
  }

  /** Waits until the actor is in the state, and returns its info then. */
  private ActorInfo awaitState(ByteString id, ActorState state) {
    await(state.name())
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> info(id).getState() == state);
    return info(id);
  }

  private ActorInfo registerAlive(ActorCreationSpec spec) {
    client.registerActor(spec);
    return awaitState(spec.getActorId(), ActorState.ALIVE);
  }

  private static void awaitReturn(FakeNodeManager nm, ByteString leaseId, boolean failed) {
    await("lease returned")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> nm.returns.contains(new Returned(leaseId, failed)));
  }

  private static ByteString lastLeaseId(FakeNodeManager nm) {
    List<ByteString> ids = GcsActorFakes.leaseIds(nm);
    return ids.get(ids.size() - 1);
  }

  @Test
  void registeredActorBecomesAliveAndALongPollSeesIt() {
    ActorCreationSpec spec = spec(b -> b.setMaxRestarts(2));
    ActorInfo registered = client.registerActor(spec);
    assertThat(registered.getState()).isEqualTo(ActorState.PENDING_CREATION);
    assertThat(registered.getVersion()).isEqualTo(1);
    assertThat(registered.getSpec()).isEqualTo(spec);

    ActorInfo alive = client.getActor(spec.getActorId(), 1, WAIT).orElseThrow();
    assertThat(alive.getState()).isEqualTo(ActorState.ALIVE);
    assertThat(alive.getVersion()).isEqualTo(2);
    assertThat(alive.getAddress().getPort()).isEqualTo(worker.port());
    assertThat(alive.getAddress().getWorkerId()).isEqualTo("node-a-w1");
    assertThat(alive.getAddress().getNodeId()).isEqualTo("node-a");
    assertThat(alive.getNodeId()).isEqualTo("node-a");
    assertThat(alive.getPid()).isEqualTo(1001);
    assertThat(alive.getGpuIdsList()).containsExactly(0);
    assertThat(alive.getNumRestarts()).isZero();

    LeaseRequest lease = nmA.requests.peek();
    assertThat(lease.getLeaseId().size()).isEqualTo(16);
    assertThat(lease.getResources()).isEqualTo(spec.getResources());
    assertThat(lease.getSubmitter().getWorkerId()).isEqualTo("gcs");
    assertThat(lease.getSubmitter().getPort()).isEqualTo(gcs.port());
    assertThat(lease.getGrantOrQueue()).isFalse();
    assertThat(lease.getTimeoutMs()).isZero();
    assertThat(worker.creates)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getSpec()).isEqualTo(spec);
              assertThat(c.getNumRestarts()).isZero();
            });

    // An up-to-date poller waits for its timeout, then gets the same version.
    long t0 = System.nanoTime();
    ActorInfo same = client.getActor(spec.getActorId(), 2, Duration.ofMillis(200)).orElseThrow();
    assertThat(same.getVersion()).isEqualTo(2);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(client.listActors()).extracting(ActorInfo::getActorId).contains(spec.getActorId());
    assertThat(client.getActor(newId())).isEmpty();
    assertThat(gcs.actor(spec.getActorId()))
        .hasValueSatisfying(a -> assertThat(a.getState()).isEqualTo(ActorState.ALIVE));
  }

  @Test
  void aNameIsUniqueAmongLiveActorsOfItsNamespace() {
    ActorCreationSpec first = spec(b -> b.setName("counter").setNamespace("ns"));
    registerAlive(first);
    assertThatThrownBy(
            () -> client.registerActor(spec(b -> b.setName("counter").setNamespace("ns"))))
        .isInstanceOf(GcsException.class)
        .hasMessageStartingWith("an actor named 'counter' already exists in namespace 'ns'")
        .hasMessageContaining("choose another name or look it up with Prism.getActor")
        .satisfies(e -> assertThat(((GcsException) e).isAlreadyExists()).isTrue());
    assertThatThrownBy(() -> client.registerActor(first))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("already registered")
        .satisfies(
            e -> assertThat(((GcsException) e).statusCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    ActorCreationSpec elsewhere = spec(b -> b.setName("counter").setNamespace("other"));
    client.registerActor(elsewhere);
    assertThat(client.getActor("counter", "ns"))
        .hasValueSatisfying(a -> assertThat(a.getActorId()).isEqualTo(first.getActorId()));

    assertThat(client.killActor(first.getActorId(), true, "", false)).isTrue();
    awaitState(first.getActorId(), ActorState.DEAD);
    assertThat(client.getActor("counter", "ns"))
        .hasValueSatisfying(a -> assertThat(a.getState()).isEqualTo(ActorState.DEAD));

    ActorCreationSpec second = spec(b -> b.setName("counter").setNamespace("ns"));
    client.registerActor(second);
    assertThat(client.getActor("counter", "ns"))
        .hasValueSatisfying(a -> assertThat(a.getActorId()).isEqualTo(second.getActorId()));
    assertThat(client.getActor("missing", "ns")).isEmpty();
  }

  @Test
  void aFailingConstructorKillsTheActorAndItsWorker() {
    ByteString error = ByteString.copyFromUtf8("serialized TaskError");
    worker.policy =
        r ->
            CreateActorReply.newBuilder()
                .setCreationError(error)
                .setErrorMessage("IllegalStateException: boom")
                .build();
    ActorCreationSpec spec = spec(b -> b.setMaxRestarts(3));
    client.registerActor(spec);
    ActorInfo dead = awaitState(spec.getActorId(), ActorState.DEAD);
    assertThat(dead.getDeathCause())
        .isEqualTo("the actor's constructor failed: IllegalStateException: boom");
    assertThat(dead.getCreationError()).isEqualTo(error);
    assertThat(dead.getNumRestarts()).isZero();
    awaitReturn(nmA, lastLeaseId(nmA), true);
  }

  @Test
  void spillbackIsFollowedWithGrantOrQueue() {
    FakeNodeManager nmB = track(new FakeNodeManager("node-b")).granting(worker);
    register(nmB);
    nmA.policy = r -> FakeNodeManager.spillback(nmB.address());
    ActorInfo alive = registerAlive(spec().build());
    assertThat(alive.getNodeId()).isEqualTo("node-b");
    assertThat(alive.getAddress().getWorkerId()).isEqualTo("node-b-w1");
    assertThat(nmA.requests)
        .singleElement()
        .satisfies(r -> assertThat(r.getGrantOrQueue()).isFalse());
    assertThat(nmB.requests)
        .singleElement()
        .satisfies(r -> assertThat(r.getGrantOrQueue()).isTrue());
  }

  @Test
  void anInfeasibleActorWaitsWithAReasonAndIsRetried() {
    nmA.policy = r -> FakeNodeManager.infeasible("no node has GPU=8");
    ActorCreationSpec spec = spec().build();
    client.registerActor(spec);
    await("pending reason")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> info(spec.getActorId()).getPendingReason().contains("no node has GPU=8"));
    assertThat(info(spec.getActorId()).getState()).isEqualTo(ActorState.PENDING_CREATION);
    assertThat(info(spec.getActorId()).getPendingKind())
        .as("clients read the kind, not the text")
        .isEqualTo(PendingKind.PENDING_INFEASIBLE);
    await("retried").atMost(WAIT).until(() -> nmA.requests.size() >= 3);

    nmA.granting(worker);
    ActorInfo alive = awaitState(spec.getActorId(), ActorState.ALIVE);
    assertThat(alive.getPendingReason()).isEmpty();
    assertThat(alive.getPendingKind()).isEqualTo(PendingKind.PENDING_NONE);
  }

  @Test
  void aDeadWorkerRestartsItsActorUntilTheRestartsRunOut() {
    ActorCreationSpec spec = spec(b -> b.setMaxRestarts(1));
    ActorInfo first = registerAlive(spec);
    ByteString firstLease = lastLeaseId(nmA);

    client.reportWorkerFailure("node-a", "nobody", 1, 1, ""); // unknown worker: no-op
    assertThat(info(spec.getActorId()).getVersion()).isEqualTo(first.getVersion());

    client.reportWorkerFailure(
        "node-a", first.getAddress().getWorkerId(), first.getPid(), 137, "killed by signal 9");
    ActorInfo restarting =
        client.getActor(spec.getActorId(), first.getVersion(), WAIT).orElseThrow();
    assertThat(restarting.getState()).isIn(ActorState.RESTARTING, ActorState.ALIVE);
    assertThat(restarting.getNumRestarts()).isEqualTo(1);
    assertThat(restarting.getDeathCause())
        .isEqualTo("the actor's process (pid 1001 on node node-a) died (killed by signal 9)");
    awaitReturn(nmA, firstLease, true);

    ActorInfo second = awaitState(spec.getActorId(), ActorState.ALIVE);
    assertThat(second.getNumRestarts()).isEqualTo(1);
    assertThat(second.getAddress().getWorkerId()).isNotEqualTo(first.getAddress().getWorkerId());
    assertThat(worker.creates).extracting(c -> c.getNumRestarts()).containsExactly(0, 1);

    client.reportWorkerFailure("node-a", second.getAddress().getWorkerId(), second.getPid(), 1, "");
    ActorInfo dead = awaitState(spec.getActorId(), ActorState.DEAD);
    assertThat(dead.getDeathCause())
        .isEqualTo(
            "the actor's process (pid "
                + second.getPid()
                + " on node node-a) died (exit code 1) and it has no restarts left (max restarts 1)");
    assertThat(dead.getNumRestarts()).isEqualTo(1);
  }

  @Test
  void killWithoutRestartReturnsTheLeaseAsFailed() {
    ActorCreationSpec spec = spec().setMaxRestarts(-1).build();
    ActorInfo alive = registerAlive(spec);
    assertThat(client.killActor(spec.getActorId(), true, "", false)).isTrue();
    ActorInfo dead = info(spec.getActorId());
    assertThat(dead.getState()).isEqualTo(ActorState.DEAD);
    assertThat(dead.getVersion()).isEqualTo(alive.getVersion() + 1);
    assertThat(dead.getDeathCause()).isEqualTo("it was killed with Prism.kill");
    awaitReturn(nmA, lastLeaseId(nmA), true);
    assertThat(client.killActor(newId(), true, "", false)).isFalse();
    assertThat(client.killActor(spec.getActorId(), true, "", false)).isTrue();
  }

  @Test
  void killWithRestartStartsANewInstanceAndIgnoresTheOldWorkersDeath() {
    ActorCreationSpec spec = spec().setMaxRestarts(-1).build();
    ActorInfo first = registerAlive(spec);
    ByteString firstLease = lastLeaseId(nmA);
    assertThat(client.killActor(spec.getActorId(), false, "test restart", false)).isTrue();
    awaitReturn(nmA, firstLease, true);
    await().atMost(WAIT).until(() -> info(spec.getActorId()).getNumRestarts() == 1);
    ActorInfo second = awaitState(spec.getActorId(), ActorState.ALIVE);
    assertThat(second.getDeathCause()).contains("died (test restart)");
    assertThat(second.getAddress().getWorkerId()).isNotEqualTo(first.getAddress().getWorkerId());

    client.reportWorkerFailure("node-a", first.getAddress().getWorkerId(), first.getPid(), 137, "");
    ActorInfo after = info(spec.getActorId());
    assertThat(after.getVersion()).isEqualTo(second.getVersion());
    assertThat(after.getState()).isEqualTo(ActorState.ALIVE);
  }

  @Test
  void killingAPendingActorCancelsItsLeaseRequest() {
    nmA.policy = r -> null; // hold every request
    ActorCreationSpec spec = spec().build();
    client.registerActor(spec);
    await("lease requested").atMost(WAIT).until(() -> !nmA.requests.isEmpty());
    client.killActor(spec.getActorId(), true, "not needed", false);
    assertThat(info(spec.getActorId()).getDeathCause()).isEqualTo("not needed");
    await("lease request cancelled")
        .atMost(WAIT)
        .until(() -> nmA.cancelled.contains(nmA.requests.peek().getLeaseId()));
  }

  @Test
  void aFailedCreateCallCountsAsAProcessDeath() {
    AtomicInteger calls = new AtomicInteger();
    worker.policy =
        r -> calls.incrementAndGet() == 1 ? null : CreateActorReply.getDefaultInstance();
    ActorCreationSpec spec = spec().setMaxRestarts(1).build();
    client.registerActor(spec);
    await().atMost(WAIT).until(() -> info(spec.getActorId()).getNumRestarts() == 1);
    ActorInfo alive = awaitState(spec.getActorId(), ActorState.ALIVE);
    assertThat(alive.getDeathCause()).contains("UNAVAILABLE").contains("worker crashed");
    awaitReturn(nmA, GcsActorFakes.leaseIds(nmA).get(0), true);
  }

  @Test
  void ownerDeathAndJobEndDestroyOnlyActorsThatAreNotDetached() {
    ActorCreationSpec owned = spec().build();
    ActorCreationSpec detached = spec().setDetached(true).build();
    ActorCreationSpec ofJob2 = spec(b -> b.setJobId(JOB_2).getOwnerBuilder().setWorkerId("w2"));
    ActorCreationSpec detachedOfJob2 =
        spec(b -> b.setJobId(JOB_2).setDetached(true).getOwnerBuilder().setWorkerId("w2"));
    for (ActorCreationSpec s : List.of(owned, detached, ofJob2, detachedOfJob2)) {
      registerAlive(s);
    }

    client.reportWorkerFailure("node-a", "driver-1", 1, 0, "driver exited");
    assertThat(info(owned.getActorId()))
        .satisfies(
            a -> {
              assertThat(a.getState()).isEqualTo(ActorState.DEAD);
              assertThat(a.getDeathCause()).isEqualTo("its owner (worker driver-1) died");
            });
    assertThat(info(detached.getActorId()).getState()).isEqualTo(ActorState.ALIVE);

    client.markJobFinished(JOB_2);
    assertThat(info(ofJob2.getActorId()))
        .satisfies(
            a -> {
              assertThat(a.getState()).isEqualTo(ActorState.DEAD);
              assertThat(a.getDeathCause()).isEqualTo("its job finished");
            });
    assertThat(info(detachedOfJob2.getActorId()).getState()).isEqualTo(ActorState.ALIVE);
    await()
        .atMost(WAIT)
        .until(() -> nmA.returns.stream().filter(Returned::workerFailed).count() == 2);
  }

  @Test
  void outOfScopeIsIgnoredForDetachedActorsOnly() {
    ActorCreationSpec named = spec().setName("keep").build();
    ActorCreationSpec detached = spec().setDetached(true).build();
    ActorCreationSpec plain = spec().setMaxRestarts(-1).build();
    for (ActorCreationSpec s : List.of(named, detached, plain)) {
      registerAlive(s);
    }
    for (ActorCreationSpec s : List.of(named, detached, plain)) {
      assertThat(client.killActor(s.getActorId(), true, "", true)).isTrue();
    }
    // As in Ray, a named actor that is not detached goes when its last handle goes.
    assertThat(info(named.getActorId()).getState()).isEqualTo(ActorState.DEAD);
    assertThat(info(detached.getActorId()).getState()).isEqualTo(ActorState.ALIVE);
    assertThat(info(plain.getActorId()))
        .satisfies(
            a -> {
              assertThat(a.getState()).isEqualTo(ActorState.DEAD);
              assertThat(a.getDeathCause()).isEqualTo("all handles to it went out of scope");
            });
  }

  @Test
  void malformedSpecsAreRefusedWithTheBadValue() {
    assertThatThrownBy(
            () -> client.registerActor(spec().setActorId(ByteString.copyFromUtf8("short")).build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("actor_id has 5 bytes")
        .hasMessageContaining("exactly 16 bytes")
        .satisfies(
            e ->
                assertThat(((GcsException) e).statusCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> client.registerActor(spec().clearFunction().build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("has no function");
    assertThatThrownBy(() -> client.registerActor(spec().clearOwner().build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("has no owner");
    assertThatThrownBy(() -> client.registerActor(spec().setMaxConcurrency(0).build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("max_concurrency 0");
    assertThatThrownBy(() -> client.registerActor(spec().setMaxRestarts(-2).build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("max_restarts -2");
    assertThatThrownBy(() -> client.registerActor(spec().setMaxPendingCalls(-5).build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("max_pending_calls -5");
    var io = dev.prism.runtime.rpc.ConcurrencyGroupProto.newBuilder().setName("io");
    assertThatThrownBy(
            () ->
                client.registerActor(
                    spec().addConcurrencyGroups(io.clone().setMaxConcurrency(0)).build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("concurrency group \"io\" with max_concurrency 0");
    assertThatThrownBy(
            () ->
                client.registerActor(
                    spec()
                        .addConcurrencyGroups(io.clone().setMaxConcurrency(1))
                        .addConcurrencyGroups(io.clone().setMaxConcurrency(2))
                        .build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("declares concurrency group \"io\" twice");
    assertThatThrownBy(
            () ->
                client.registerActor(
                    spec()
                        .addConcurrencyGroups(io.clone().setName("default").setMaxConcurrency(1))
                        .build()))
        .isInstanceOf(GcsException.class)
        .hasMessageContaining("named \"default\"");
    assertThat(client.listActors()).isEmpty();
  }

  @Test
  void theDeathOfANodeRestartsItsActorsElsewhere() {
    ActorCreationSpec spec = spec(b -> b.setMaxRestarts(1).getOwnerBuilder().setNodeId("node-x"));
    registerAlive(spec);
    client.unregisterNode("node-a");
    ActorInfo restarting = awaitState(spec.getActorId(), ActorState.RESTARTING);
    assertThat(restarting.getDeathCause()).contains("its node node-a died: unregistered");
    await("no node")
        .atMost(WAIT)
        .until(() -> info(spec.getActorId()).getPendingReason().contains("no node is alive"));
    assertThat(info(spec.getActorId()).getPendingKind()).isEqualTo(PendingKind.PENDING_WAITING);

    FakeNodeManager nmB = track(new FakeNodeManager("node-b")).granting(worker);
    register(nmB);
    ActorInfo alive = awaitState(spec.getActorId(), ActorState.ALIVE);
    assertThat(alive.getNodeId()).isEqualTo("node-b");
    assertThat(alive.getNumRestarts()).isEqualTo(1);
  }

  @Test
  void closingTheGcsAnswersLongPolls() throws Exception {
    nmA.policy = r -> null;
    ActorCreationSpec spec = spec().build();
    client.registerActor(spec);
    var poll =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> client.getActor(spec.getActorId(), 1, Duration.ofSeconds(30)));
    await("lease requested").atMost(WAIT).until(() -> !nmA.requests.isEmpty());
    await("poll waiting").atMost(WAIT).until(() -> gcs.actorManager().pendingPolls() == 1);
    gcs.close();
    assertThat(poll.get(5, java.util.concurrent.TimeUnit.SECONDS))
        .hasValueSatisfying(a -> assertThat(a.getVersion()).isEqualTo(1));
    await("lease request cancelled").atMost(WAIT).until(() -> !nmA.cancelled.isEmpty());
  }

  @Test
  void aGrantThatArrivesAfterTheActorDiedIsReturnedUnused() {
    nmA.policy = r -> null;
    ActorCreationSpec spec = spec().build();
    client.registerActor(spec);
    await("lease requested").atMost(WAIT).until(() -> !nmA.requests.isEmpty());
    client.killActor(spec.getActorId(), true, "", false);
    ByteString leaseId = nmA.requests.peek().getLeaseId();
    gcs.actorManager()
        .placement()
        .leaseReplied(
            spec.getActorId(),
            1,
            io.grpc.Context.ROOT.withCancellation(),
            leaseId,
            nmA.address(),
            nmA.grant(worker));
    awaitReturn(nmA, leaseId, false);
    assertThat(worker.creates).isEmpty();
  }
}
