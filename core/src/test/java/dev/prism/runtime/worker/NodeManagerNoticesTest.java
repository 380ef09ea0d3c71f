package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.WorkerBlockedReply;
import dev.prism.runtime.rpc.WorkerBlockedRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wait notices a worker sends its node manager (a fake one on loopback): per lease, only waits
 * that last, and "resumed" only after "blocked".
 */
@Timeout(30)
class NodeManagerNoticesTest {

  private static final ByteString LEASE_A = ByteString.copyFromUtf8("lease-a");
  private static final ByteString LEASE_B = ByteString.copyFromUtf8("lease-b");

  /** Records every notice. */
  private static final class FakeNodeManager
      extends NodeManagerServiceGrpc.NodeManagerServiceImplBase {
    final BlockingQueue<WorkerBlockedRequest> notices = new LinkedBlockingQueue<>();

    @Override
    public void notifyWorkerBlocked(
        WorkerBlockedRequest request, StreamObserver<WorkerBlockedReply> reply) {
      notices.add(request);
      reply.onNext(WorkerBlockedReply.getDefaultInstance());
      reply.onCompleted();
    }
  }

  /** The calling thread's task and lease, as a worker's lanes set them. */
  private static final ThreadLocal<ByteString> LEASE = new ThreadLocal<>();

  private final FakeNodeManager fake = new FakeNodeManager();
  private Server server;
  private ManagedChannel channel;
  private ScheduledExecutorService timer;
  private NodeManagerNotices notices;

  @BeforeEach
  void start() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(fake)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    timer = Executors.newSingleThreadScheduledExecutor();
    notices =
        new NodeManagerNotices(
            new NodeManagerNotices.Host() {
              @Override
              public String workerId() {
                return "w1";
              }

              @Override
              public boolean isRunningTaskInWorker() {
                return LEASE.get() != null;
              }

              @Override
              public ByteString currentLeaseId() {
                ByteString l = LEASE.get();
                return l == null ? ByteString.EMPTY : l;
              }

              @Override
              public int ownedCount() {
                return 0;
              }
            },
            channel,
            timer);
  }

  @AfterEach
  void stop() throws Exception {
    LEASE.remove();
    timer.shutdownNow();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private WorkerBlockedRequest next() throws InterruptedException {
    WorkerBlockedRequest r = fake.notices.poll(5, TimeUnit.SECONDS);
    assertThat(r).as("a notice reached the node manager").isNotNull();
    return r;
  }

  private void assertNoMoreNotices() throws InterruptedException {
    assertThat(fake.notices.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aWaitOutsideATaskIsNotReported() throws Exception {
    assertThat(notices.enterBlocking()).isFalse();
    Thread.sleep(20);
    assertNoMoreNotices();
  }

  @Test
  void aQuickWaitCostsNoNotice() throws Exception {
    LEASE.set(LEASE_A);
    assertThat(notices.enterBlocking()).isTrue();
    notices.exitBlocking();
    assertNoMoreNotices();
  }

  @Test
  void aLastingWaitIsReportedForItsLeaseThenResumed() throws Exception {
    LEASE.set(LEASE_A);
    notices.enterBlocking();
    notices.enterBlocking(); // nested: only the outermost counts
    WorkerBlockedRequest blocked = next();
    assertThat(blocked.getWorkerId()).isEqualTo("w1");
    assertThat(blocked.getLeaseId()).isEqualTo(LEASE_A);
    assertThat(blocked.getBlocked()).isTrue();
    notices.exitBlocking();
    assertNoMoreNotices();
    notices.exitBlocking();
    WorkerBlockedRequest resumed = next();
    assertThat(resumed.getLeaseId()).isEqualTo(LEASE_A);
    assertThat(resumed.getBlocked()).isFalse();
  }

  @Test
  void waitsOfTwoLeasesAreCountedApart() throws Exception {
    LEASE.set(LEASE_A);
    notices.enterBlocking();
    assertThat(next().getLeaseId()).isEqualTo(LEASE_A);
    Thread other =
        Thread.ofPlatform()
            .start(
                () -> {
                  LEASE.set(LEASE_B);
                  notices.enterBlocking();
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  notices.exitBlocking();
                });
    WorkerBlockedRequest b = next();
    assertThat(b.getLeaseId()).isEqualTo(LEASE_B);
    assertThat(b.getBlocked()).isTrue();
    WorkerBlockedRequest bResumed = next();
    assertThat(bResumed.getLeaseId()).isEqualTo(LEASE_B);
    assertThat(bResumed.getBlocked()).isFalse();
    other.join(5000);
    notices.exitBlocking();
    WorkerBlockedRequest aResumed = next();
    assertThat(aResumed.getLeaseId()).isEqualTo(LEASE_A);
    assertThat(aResumed.getBlocked()).isFalse();
  }
}
