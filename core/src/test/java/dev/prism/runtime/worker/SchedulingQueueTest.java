package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.ReturnLeaseReply;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.store.ObjectId;
import io.grpc.Channel;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One scheduling class's queue against a fake node manager (that grants only the lease requests a
 * test tells it to) and fake workers (that record the tasks pushed and answer as told): lease
 * reuse, the pipelining bound, long tasks not pipelined, idle leases and unneeded requests given
 * back, a worker's death.
 */
class SchedulingQueueTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Address SELF =
      Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId("00000000000000aa").build();

  /** A node manager that parks every lease request until the test grants it. */
  private static final class FakeNodeManager
      extends NodeManagerServiceGrpc.NodeManagerServiceImplBase {
    record Parked(LeaseRequest request, StreamObserver<LeaseReply> reply) {}

    final BlockingQueue<Parked> requests = new LinkedBlockingQueue<>();
    final List<ReturnLeaseRequest> returns = new CopyOnWriteArrayList<>();

    @Override
    public void requestWorkerLease(LeaseRequest request, StreamObserver<LeaseReply> reply) {
      requests.add(new Parked(request, reply));
    }

    @Override
    public void returnWorkerLease(
        ReturnLeaseRequest request, StreamObserver<ReturnLeaseReply> reply) {
      returns.add(request);
      // As a node manager does: returning a request not granted yet cancels it.
      for (Parked p : requests) {
        if (p.request().getLeaseId().equals(request.getLeaseId()) && requests.remove(p)) {
          p.reply().onNext(LeaseReply.newBuilder().setRejected("cancelled").build());
          p.reply().onCompleted();
        }
      }
      reply.onNext(ReturnLeaseReply.getDefaultInstance());
      reply.onCompleted();
    }

    /** Grants the oldest parked request a lease on {@code worker}; returns its lease id. */
    ByteString grant(FakeWorker worker) throws InterruptedException {
      Parked p = requests.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(p).as("a lease request reached the node manager").isNotNull();
      p.reply()
          .onNext(
              LeaseReply.newBuilder()
                  .setGranted(
                      LeaseReply.Granted.newBuilder().setWorker(worker.address).setWorkerPid(42))
                  .build());
      p.reply().onCompleted();
      return p.request().getLeaseId();
    }

    List<ByteString> returnedIds() {
      return returns.stream().map(ReturnLeaseRequest::getLeaseId).toList();
    }
  }

  /** A worker that records the tasks pushed to it and answers them when told to. */
  private static final class FakeWorker extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {
    final BlockingQueue<TaskSpec> pushed = new LinkedBlockingQueue<>();
    final List<StreamObserver<PushTaskReply>> streams = new CopyOnWriteArrayList<>();

    /** Answer each task at once as having run this long; 0: do not answer. */
    volatile long autoReplyNanos;

    final Server server;
    final Address address;

    FakeWorker() throws IOException {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(this)
              .build()
              .start();
      address =
          Address.newBuilder()
              .setHost("127.0.0.1")
              .setPort(server.getPort())
              .setWorkerId("w" + server.getPort())
              .build();
    }

    @Override
    public StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> replies) {
      streams.add(replies);
      return new StreamObserver<>() {
        @Override
        public void onNext(PushTaskRequest request) {
          pushed.add(request.getSpec());
          long run = autoReplyNanos;
          if (run > 0) {
            reply(replies, request.getSpec().getTaskId(), run);
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

    static void reply(StreamObserver<PushTaskReply> replies, ByteString taskId, long runNanos) {
      synchronized (replies) {
        replies.onNext(PushTaskReply.newBuilder().setTaskId(taskId).setRunNanos(runNanos).build());
      }
    }

    /** Answers a task pushed earlier, on the newest stream. */
    void answer(TaskSpec spec, long runNanos) {
      reply(streams.getLast(), spec.getTaskId(), runNanos);
    }

    List<String> take(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        TaskSpec spec = pushed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(spec).as("task %d of %d reached the worker", i + 1, n).isNotNull();
        out.add(spec.getTaskId().toStringUtf8());
      }
      return out;
    }

    void die() throws InterruptedException {
      for (StreamObserver<PushTaskReply> s : streams) {
        synchronized (s) {
          s.onError(Status.UNAVAILABLE.withDescription("worker died").asRuntimeException());
        }
      }
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private final List<String> replied = new CopyOnWriteArrayList<>();
  private final List<String> died = new CopyOnWriteArrayList<>();
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final FakeNodeManager nodeManager = new FakeNodeManager();
  private final List<FakeWorker> workers = new ArrayList<>();
  private volatile boolean shutdown;
  private Server nodeManagerServer;

  private final SchedulingQueue.Host host =
      new SchedulingQueue.Host() {
        @Override
        public Address address() {
          return SELF;
        }

        @Override
        public NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager() {
          return NodeManagerServiceGrpc.newStub(channelTo(nodeManagerAddress()));
        }

        @Override
        public NodeManagerServiceGrpc.NodeManagerServiceStub nodeManagerAt(Address address) {
          return NodeManagerServiceGrpc.newStub(channelTo(address));
        }

        @Override
        public Channel channelTo(Address address) {
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
        public PendingTask onReply(PendingTask task, PushTaskReply reply) {
          replied.add(task.displayName);
          return null;
        }

        @Override
        public PendingTask onWorkerDied(PendingTask task, Lease lease, String why) {
          died.add(task.displayName + " on pid " + lease.workerPid);
          return null;
        }

        @Override
        public void discardItem(dev.prism.runtime.rpc.GeneratorItem item) {}

        @Override
        public void finishCancelled(PendingTask task) {}

        @Override
        public void failUnrunnable(PendingTask task, String why) {}

        @Override
        public void warnInfeasible(
            ResourceAmounts resources,
            java.util.Map<String, String> labelSelector,
            String what,
            String reason) {}

        @Override
        public ScheduledExecutorService timer() {
          return timer;
        }

        @Override
        public boolean isShutdown() {
          return shutdown;
        }
      };

  @BeforeEach
  void start() throws IOException {
    nodeManagerServer =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(nodeManager)
            .build()
            .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    shutdown = true;
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
    nodeManagerServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (FakeWorker w : workers) {
      w.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Address nodeManagerAddress() {
    return Address.newBuilder().setHost("127.0.0.1").setPort(nodeManagerServer.getPort()).build();
  }

  private FakeWorker worker() throws IOException {
    FakeWorker w = new FakeWorker();
    workers.add(w);
    return w;
  }

  private SchedulingQueue queue(int depth, Duration linger) {
    WorkerTuning tuning =
        WorkerTuning.defaults()
            .withPipelineDepth(depth)
            .withLeaseLinger(linger)
            .withLeaseMaxHold(Duration.ofMinutes(1))
            .withPipelineBelow(Duration.ofMillis(1));
    return new SchedulingQueue(
        host,
        new TaskSubmitter.SchedulingKey(
            ResourceAmounts.newBuilder().putAmounts("CPU", 10_000).build(),
            SchedulingStrategyProto.getDefaultInstance(),
            dev.prism.runtime.rpc.RuntimeEnvProto.getDefaultInstance(),
            false),
        tuning);
  }

  private static void add(SchedulingQueue q, String... names) {
    for (String name : names) {
      q.add(
          new PendingTask(
              TaskSpec.newBuilder().setTaskId(ByteString.copyFromUtf8(name)),
              ObjectId.random(),
              name,
              List.of(),
              List.of(),
              0,
              false));
    }
  }

  @Test
  void oneLeaseRunsTheTasksQueuedBehindItAndUnneededRequestsAndTheLeaseGoBack() throws Exception {
    FakeWorker w = worker();
    w.autoReplyNanos = 100_000;
    SchedulingQueue q = queue(4, Duration.ofMillis(50));
    add(q, "t0", "t1", "t2");
    await().atMost(WAIT).until(() -> nodeManager.requests.size() == 3);
    assertThat(nodeManager.requests)
        .allSatisfy(
            p -> {
              assertThat(p.request().getSubmitter()).isEqualTo(SELF);
              assertThat(p.request().getResources().getAmountsMap()).containsEntry("CPU", 10_000L);
            });

    ByteString granted = nodeManager.grant(w);
    List<ByteString> parked =
        nodeManager.requests.stream().map(p -> p.request().getLeaseId()).toList();
    assertThat(parked).hasSize(2);
    assertThat(w.take(3)).containsExactly("t0", "t1", "t2");
    await().atMost(WAIT).until(() -> replied.size() == 3);

    // The two requests nobody needs any more are withdrawn, and the idle lease goes back after
    // lingering; then the queue holds nothing.
    await().atMost(WAIT).until(q::isIdle);
    assertThat(nodeManager.returnedIds()).containsAll(parked).contains(granted).hasSize(3);
    assertThat(nodeManager.returns).noneMatch(ReturnLeaseRequest::getWorkerFailed);
  }

  @Test
  void measuredShortTasksArePipelinedUpToTheDepth() throws Exception {
    FakeWorker w = worker();
    w.autoReplyNanos = 100_000; // 0.1 ms: short
    SchedulingQueue q = queue(3, Duration.ofSeconds(30));
    add(q, "warm0", "warm1", "warm2", "warm3");
    nodeManager.grant(w);
    w.take(4);
    await().atMost(WAIT).until(() -> replied.size() == 4);

    w.autoReplyNanos = 0;
    add(q, "p0", "p1", "p2", "p3", "p4", "p5");
    assertThat(w.take(3)).containsExactly("p0", "p1", "p2");
    assertThat(w.pushed.poll(300, TimeUnit.MILLISECONDS)).as("beyond the depth").isNull();

    w.answer(TaskSpec.newBuilder().setTaskId(ByteString.copyFromUtf8("p0")).build(), 100_000);
    assertThat(w.take(1)).containsExactly("p3");
    assertThat(w.pushed.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void longTasksGetTheWorkerOneAtATime() throws Exception {
    FakeWorker w = worker();
    w.autoReplyNanos = 5_000_000; // 5 ms: longer than the 1 ms threshold
    SchedulingQueue q = queue(3, Duration.ofSeconds(30));
    add(q, "warm0", "warm1", "warm2", "warm3");
    nodeManager.grant(w);
    w.take(4);
    await().atMost(WAIT).until(() -> replied.size() == 4);

    w.autoReplyNanos = 0;
    add(q, "l0", "l1");
    assertThat(w.take(1)).containsExactly("l0");
    assertThat(w.pushed.poll(300, TimeUnit.MILLISECONDS)).as("not pipelined").isNull();
    w.answer(TaskSpec.newBuilder().setTaskId(ByteString.copyFromUtf8("l0")).build(), 5_000_000);
    assertThat(w.take(1)).containsExactly("l1");
  }

  @Test
  void aWorkerThatDiesHandsItsTasksBackAndItsLeaseIsReturnedAsFailed() throws Exception {
    FakeWorker w = worker();
    SchedulingQueue q = queue(1, Duration.ofSeconds(30));
    add(q, "t0");
    ByteString granted = nodeManager.grant(w);
    assertThat(w.take(1)).containsExactly("t0");

    w.die();
    await().atMost(WAIT).until(() -> died.size() == 1);
    assertThat(died).containsExactly("t0 on pid 42");
    await().atMost(WAIT).until(() -> !nodeManager.returns.isEmpty());
    assertThat(nodeManager.returns)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getLeaseId()).isEqualTo(granted);
              assertThat(r.getWorkerFailed()).isTrue();
            });
  }

  @Test
  void drainHandsBackEveryTaskAndLetsGoOfLeasesAndRequests() throws Exception {
    FakeWorker w = worker();
    SchedulingQueue q = queue(1, Duration.ofSeconds(30));
    add(q, "t0", "t1", "t2");
    await().atMost(WAIT).until(() -> nodeManager.requests.size() == 3);
    nodeManager.grant(w);
    assertThat(w.take(1)).containsExactly("t0");

    List<PendingTask> drained = q.drain();
    assertThat(drained).extracting(t -> t.displayName).containsExactlyInAnyOrder("t0", "t1", "t2");
    await().atMost(WAIT).until(q::isIdle);
    assertThat(nodeManager.returns).hasSize(3);
  }
}
