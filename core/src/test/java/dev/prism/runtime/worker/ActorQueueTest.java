package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.prism.PendingCallsLimitExceededException;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.TaskSpec;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The caller's side of actor calls against a fake GCS (answering long polls with the actor states
 * each test scripts) and fake actor processes (small gRPC servers that record the calls pushed to
 * them): order, restarts, deaths, late news of a restart, and the pending-calls limit.
 */
class ActorQueueTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ByteString ACTOR_ID = ByteString.copyFromUtf8("actor-under-test");

  /** A GCS that answers each long poll with the next scripted reply, or the current one. */
  private static final class FakeGcs extends GcsServiceGrpc.GcsServiceImplBase {
    final BlockingQueue<GetActorReply> script = new LinkedBlockingQueue<>();
    final BlockingQueue<GetActorRequest> polls = new LinkedBlockingQueue<>();
    volatile GetActorReply current =
        GetActorReply.newBuilder()
            .setFound(true)
            .setActor(ActorInfo.newBuilder().setActorId(ACTOR_ID).setVersion(0))
            .build();

    @Override
    public void getActor(GetActorRequest request, StreamObserver<GetActorReply> reply) {
      polls.add(request);
      GetActorReply next;
      try {
        next = script.poll(Math.min(request.getTimeoutMs(), 500), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (next != null) {
        current = next;
      }
      reply.onNext(next != null ? next : current);
      reply.onCompleted();
    }

    void say(ActorState state, long version, Address address, String cause) {
      ActorInfo.Builder info =
          ActorInfo.newBuilder()
              .setActorId(ACTOR_ID)
              .setState(state)
              .setVersion(version)
              .setDeathCause(cause);
      if (address != null) {
        info.setAddress(address);
      }
      script.add(GetActorReply.newBuilder().setFound(true).setActor(info).build());
    }
  }

  /** An actor's process: records the calls pushed to it, and answers them if told to. */
  private static final class FakeActor extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {
    final BlockingQueue<TaskSpec> pushed = new LinkedBlockingQueue<>();
    final List<StreamObserver<PushTaskReply>> streams = new CopyOnWriteArrayList<>();
    volatile boolean answer;
    final Server server;
    final Address address;

    FakeActor(String workerId) throws IOException {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(this)
              .build()
              .start();
      address =
          Address.newBuilder()
              .setHost("127.0.0.1")
              .setPort(server.getPort())
              .setWorkerId(workerId)
              .build();
    }

    @Override
    public StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> replies) {
      streams.add(replies);
      return new StreamObserver<>() {
        @Override
        public void onNext(PushTaskRequest request) {
          pushed.add(request.getSpec());
          if (answer) {
            synchronized (replies) {
              replies.onNext(
                  PushTaskReply.newBuilder().setTaskId(request.getSpec().getTaskId()).build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (replies) {
            replies.onCompleted();
          }
        }
      };
    }

    /** The process dies: its streams break and it takes no new connections. */
    void die() throws InterruptedException {
      for (StreamObserver<PushTaskReply> s : streams) {
        synchronized (s) {
          try {
            s.onError(Status.UNAVAILABLE.withDescription("process died").asRuntimeException());
          } catch (IllegalStateException alreadyClosed) {
            // closed by the caller first
          }
        }
      }
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    List<String> calls(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        TaskSpec spec = pushed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(spec).as("call %d of %d reached the actor", i + 1, n).isNotNull();
        out.add(spec.getTaskId().toStringUtf8() + "#" + spec.getAttempt());
      }
      return out;
    }
  }

  /** The submitter's side, recorded. */
  private final List<String> replies = new CopyOnWriteArrayList<>();

  private final List<String> failed = new CopyOnWriteArrayList<>();
  private final AtomicBoolean forgotten = new AtomicBoolean();
  private volatile boolean shutdown;
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final FakeGcs gcs = new FakeGcs();
  private final List<FakeActor> actors = new ArrayList<>();
  private Server gcsServer;
  private ManagedChannel gcsChannel;

  private final ActorQueue.Host host =
      new ActorQueue.Host() {
        @Override
        public void onReply(PendingTask task, PushTaskReply reply) {
          replies.add(task.displayName);
        }

        @Override
        public StoredValue inlineResolved(PendingTask task) {
          return null;
        }

        @Override
        public void finish(PendingTask task, StoredValue value) {
          failed.add(task.displayName + " finished early");
        }

        @Override
        public void discardItem(dev.prism.runtime.rpc.GeneratorItem item) {}

        @Override
        public void finishCancelled(PendingTask task) {
          failed.add(task.displayName + " cancelled");
        }

        @Override
        public void failDead(PendingTask task, String message, ActorInfo info) {
          failed.add(task.displayName + ": " + message);
        }

        @Override
        public void forget(ActorQueue queue) {
          forgotten.set(true);
        }

        @Override
        public void cancelRemote(Address target, ByteString taskId, boolean recursive) {}

        @Override
        public void warnInfeasible(
            ResourceAmounts resources,
            java.util.Map<String, String> labelSelector,
            String what,
            String reason) {}

        @Override
        public GcsServiceGrpc.GcsServiceStub gcs() {
          return GcsServiceGrpc.newStub(gcsChannel);
        }

        @Override
        public ManagedChannel channelTo(Address address) {
          return channels.computeIfAbsent(
              address.getPort(),
              port -> NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
        }

        @Override
        public void forgetChannel(Address address) {
          ManagedChannel c = channels.remove(address.getPort());
          if (c != null) {
            c.shutdownNow();
          }
        }

        @Override
        public boolean isShutdown() {
          return shutdown;
        }

        @Override
        public void later(Runnable r) {
          schedule(r, 0);
        }

        @Override
        public void schedule(Runnable r, long millis) {
          try {
            timer.schedule(r, millis, TimeUnit.MILLISECONDS);
          } catch (RejectedExecutionException e) {
            // the test is over, as the real host does at shutdown
          }
        }
      };

  @BeforeEach
  void start() throws IOException {
    gcsServer =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(gcs)
            .build()
            .start();
    gcsChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", gcsServer.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    shutdown = true;
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
    gcsChannel.shutdownNow();
    gcsServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (FakeActor a : actors) {
      a.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private FakeActor actor(String workerId) throws IOException {
    FakeActor a = new FakeActor(workerId);
    actors.add(a);
    return a;
  }

  private ActorQueue queue(int maxTaskRetries, int maxPendingCalls) {
    return new ActorQueue(host, ACTOR_ID, "A", maxTaskRetries, maxPendingCalls, 1_000);
  }

  private static PendingTask call(String name) {
    return new PendingTask(
        TaskSpec.newBuilder().setTaskId(ByteString.copyFromUtf8(name)),
        ObjectId.random(),
        name,
        List.of(),
        List.of(),
        0,
        false);
  }

  private static void submit(ActorQueue q, String... names) {
    for (String name : names) {
      q.submit(call(name), () -> {});
    }
  }

  private void awaitState(ActorQueue q, ActorQueue.State state) {
    await().atMost(WAIT).until(() -> q.state() == state);
  }

  @Test
  void theStateMachineHasOnlyItsTransitions() {
    for (ActorQueue.State from : ActorQueue.State.values()) {
      assertThat(from.allows(from)).as("%s to itself", from).isFalse();
      assertThat(from.allows(ActorQueue.State.DEAD)).isEqualTo(from != ActorQueue.State.DEAD);
    }
    assertThat(ActorQueue.State.WAITING.allows(ActorQueue.State.CONNECTED)).isTrue();
    assertThat(ActorQueue.State.WAITING.allows(ActorQueue.State.RECONNECTING)).isTrue();
    assertThat(ActorQueue.State.RECONNECTING.allows(ActorQueue.State.WAITING)).isTrue();
    assertThat(ActorQueue.State.RECONNECTING.allows(ActorQueue.State.CONNECTED)).isTrue();
    assertThat(ActorQueue.State.CONNECTED.allows(ActorQueue.State.WAITING)).isTrue();
    assertThat(ActorQueue.State.CONNECTED.allows(ActorQueue.State.RECONNECTING))
        .as("a broken stream first asks the GCS")
        .isFalse();
    for (ActorQueue.State to : ActorQueue.State.values()) {
      assertThat(ActorQueue.State.DEAD.allows(to)).as("DEAD is final").isFalse();
    }
  }

  @Test
  void callsReachALiveActorInOrderAndTheirRepliesComeBack() throws Exception {
    FakeActor a = actor("a1");
    a.answer = true;
    gcs.say(ActorState.ALIVE, 1, a.address, "");
    ActorQueue q = queue(0, 0);
    submit(q, "c0", "c1", "c2");

    assertThat(a.calls(3)).containsExactly("c0#0", "c1#0", "c2#0");
    await().atMost(WAIT).until(() -> replies.size() == 3);
    assertThat(replies).containsExactly("c0", "c1", "c2");
    assertThat(q.state()).isEqualTo(ActorQueue.State.CONNECTED);
    assertThat(failed).isEmpty();
  }

  @Test
  void callsQueuedWhileTheActorRestartsAreSentInOrderOnceItIsAlive() throws Exception {
    FakeActor a = actor("a1");
    gcs.say(ActorState.RESTARTING, 1, null, "its node died");
    ActorQueue q = queue(0, 0);
    submit(q, "c0", "c1", "c2");
    await().atMost(WAIT).until(() -> gcs.polls.size() >= 2);
    assertThat(a.pushed).isEmpty();
    assertThat(q.state()).isEqualTo(ActorQueue.State.WAITING);

    gcs.say(ActorState.ALIVE, 2, a.address, "");
    assertThat(a.calls(3)).containsExactly("c0#0", "c1#0", "c2#0");
    assertThat(q.state()).isEqualTo(ActorQueue.State.CONNECTED);
  }

  @Test
  void aCallInFlightWhenTheProcessDiesRunsAgainFirstOnTheRestartedInstance() throws Exception {
    FakeActor first = actor("a1");
    FakeActor second = actor("a2");
    gcs.say(ActorState.ALIVE, 1, first.address, "");
    ActorQueue q = queue(1, 0);
    submit(q, "c0");
    assertThat(first.calls(1)).containsExactly("c0#0");

    first.die();
    awaitState(q, ActorQueue.State.WAITING);
    submit(q, "c1");
    gcs.say(ActorState.RESTARTING, 2, null, "the worker died");
    gcs.say(ActorState.ALIVE, 3, second.address, "");

    assertThat(second.calls(2)).containsExactly("c0#1", "c1#0");
    assertThat(failed).isEmpty();
  }

  @Test
  void withoutRetriesACallInFlightFailsWhenTheProcessDies() throws Exception {
    FakeActor first = actor("a1");
    FakeActor second = actor("a2");
    gcs.say(ActorState.ALIVE, 1, first.address, "");
    ActorQueue q = queue(0, 0);
    submit(q, "c0");
    assertThat(first.calls(1)).containsExactly("c0#0");

    first.die();
    gcs.say(ActorState.RESTARTING, 2, null, "the worker died");
    await().atMost(WAIT).until(() -> !failed.isEmpty());
    assertThat(failed)
        .singleElement()
        .asString()
        .startsWith("c0: actor A did not finish the call: its process died")
        .contains("the worker died")
        .endsWith("calls are only run again with max task retries set");

    submit(q, "c1");
    gcs.say(ActorState.ALIVE, 3, second.address, "");
    assertThat(second.calls(1)).containsExactly("c1#0");
  }

  @Test
  void anActorWithNoRestartsLeftFailsEveryCallAndIsForgotten() throws Exception {
    FakeActor a = actor("a1");
    gcs.say(ActorState.ALIVE, 1, a.address, "");
    ActorQueue q = queue(3, 0);
    submit(q, "c0");
    assertThat(a.calls(1)).containsExactly("c0#0");

    a.die();
    gcs.say(ActorState.DEAD, 2, null, "it died 4 times, max restarts 3");
    awaitState(q, ActorQueue.State.DEAD);
    await().atMost(WAIT).until(() -> failed.size() == 1 && forgotten.get());
    assertThat(failed).containsExactly("c0: actor A is dead: it died 4 times, max restarts 3");

    submit(q, "c1");
    await().atMost(WAIT).until(() -> failed.size() == 2);
    assertThat(failed.get(1)).isEqualTo("c1: actor A is dead: it died 4 times, max restarts 3");
  }

  @Test
  void anActorTheGcsDoesNotKnowIsDead() {
    gcs.script.add(GetActorReply.newBuilder().setFound(false).build());
    ActorQueue q = queue(0, 0);
    submit(q, "c0");
    awaitState(q, ActorQueue.State.DEAD);
    await().atMost(WAIT).until(() -> failed.size() == 1);
    assertThat(failed.getFirst()).contains("the GCS does not know it");
  }

  @Test
  void aCallerThatHearsOfARestartLateReachesTheNewInstance() throws Exception {
    FakeActor first = actor("a1");
    FakeActor second = actor("a2");
    gcs.say(ActorState.ALIVE, 1, first.address, "");
    ActorQueue q = queue(1, 0);
    submit(q, "c0");
    assertThat(first.calls(1)).containsExactly("c0#0");

    // The process is gone, but the GCS has not heard yet: it still says version 1 is alive, so
    // the queue waits for a channel to the old address instead of pushing into the void.
    first.die();
    awaitState(q, ActorQueue.State.RECONNECTING);
    submit(q, "c1");
    assertThat(second.pushed).isEmpty();

    gcs.say(ActorState.ALIVE, 2, second.address, "");
    assertThat(second.calls(2)).containsExactly("c0#1", "c1#0");
    assertThat(q.state()).isEqualTo(ActorQueue.State.CONNECTED);
  }

  @Test
  void callsBeyondThePendingLimitAreRefusedBeforeTheyAreRegistered() {
    ActorQueue q = queue(0, 2);
    submit(q, "c0", "c1");
    AtomicBoolean registered = new AtomicBoolean();
    assertThatThrownBy(() -> q.submit(call("c2"), () -> registered.set(true)))
        .isInstanceOf(PendingCallsLimitExceededException.class)
        .hasMessageContaining("already has 2 pending calls");
    assertThat(registered).isFalse();
  }

  @Test
  void aClosedQueueIsDeadAndClosingAgainIsHarmless() throws Exception {
    FakeActor a = actor("a1");
    gcs.say(ActorState.ALIVE, 1, a.address, "");
    ActorQueue q = queue(0, 0);
    submit(q, "c0");
    assertThat(a.calls(1)).hasSize(1);
    q.close();
    q.close();
    assertThat(q.state()).isEqualTo(ActorQueue.State.DEAD);
  }
}
