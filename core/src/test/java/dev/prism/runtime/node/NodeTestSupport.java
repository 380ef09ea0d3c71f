package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectWriter;
import dev.prism.store.StoreClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Shared fixtures of the node-manager and cluster tests. */
public final class NodeTestSupport {

  private static final AtomicLong LEASE_IDS = new AtomicLong();

  private NodeTestSupport() {}

  /**
   * Returns a configuration that starts {@link FixtureWorkerMain} workers with a tiny heap, two
   * CPUs, no GPUs, a small store, and the given log sink.
   *
   * @param logs where worker output goes
   * @return the builder, for more settings
   */
  public static NodeConfig.Builder fixtureConfig(LogCollector logs) {
    return NodeConfig.builder()
        .numCpus(2)
        .numGpus(0)
        .objectStoreCapacity(4L << 20)
        .workerMainClass(FixtureWorkerMain.class.getName())
        .workerJvmOptions(
            List.of(
                "-Xmx48m",
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1"))
        .workerStartTimeout(Duration.ofSeconds(30))
        .workerExitGrace(Duration.ofSeconds(2))
        .reportPeriod(Duration.ofMillis(200))
        .logSink(logs);
  }

  /** One line a worker printed. */
  public record Line(long pid, WorkerLogSink.Stream stream, String text) {}

  /** A log sink that keeps every line (and echoes it, prefixed, to this process's output). */
  public static final class LogCollector implements WorkerLogSink {
    private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();

    @Override
    public void line(long pid, Stream stream, String line) {
      lines.add(new Line(pid, stream, line));
      WorkerLogSink.console().line(pid, stream, line);
    }

    /**
     * Returns the lines of one worker.
     *
     * @param pid the worker's pid
     * @return its lines so far
     */
    public List<Line> of(long pid) {
      return lines.stream().filter(l -> l.pid() == pid).toList();
    }

    /**
     * Returns every line so far.
     *
     * @return the lines
     */
    public List<Line> all() {
      return List.copyOf(lines);
    }
  }

  /** A lease client of one node manager. */
  public static final class Leases implements AutoCloseable {
    private final ManagedChannel channel;
    private final NodeManagerServiceGrpc.NodeManagerServiceFutureStub stub;

    /**
     * Connects to a node manager.
     *
     * @param address its {@code host:port}
     */
    public Leases(String address) {
      channel =
          Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
              .intercept(
                  dev.prism.runtime.security.TokenAuth.clientInterceptor(
                      dev.prism.runtime.security.ClusterToken.processDefault()))
              .build();
      stub = NodeManagerServiceGrpc.newFutureStub(channel);
    }

    /**
     * Returns a request with a fresh lease id.
     *
     * @param resources name to amount
     * @return the request builder
     */
    public static LeaseRequest.Builder request(Map<String, Double> resources) {
      ResourceAmounts.Builder r = ResourceAmounts.newBuilder();
      resources.forEach((k, v) -> r.putAmounts(k, Math.round(v * 10_000)));
      return LeaseRequest.newBuilder()
          .setLeaseId(ByteString.copyFromUtf8("lease-" + LEASE_IDS.incrementAndGet()))
          .setResources(r)
          .setSubmitter(Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId("driver"));
    }

    /**
     * Sends a lease request.
     *
     * @param request the request
     * @return the pending reply
     */
    public ListenableFuture<LeaseReply> send(LeaseRequest.Builder request) {
      return stub.withDeadlineAfter(60, TimeUnit.SECONDS).requestWorkerLease(request.build());
    }

    /**
     * Sends a lease request and waits for the reply.
     *
     * @param request the request
     * @return the reply
     * @throws Exception if none comes within 40 seconds
     */
    public LeaseReply call(LeaseRequest.Builder request) throws Exception {
      return send(request).get(40, TimeUnit.SECONDS);
    }

    /**
     * Returns a lease.
     *
     * @param leaseId the id
     * @param workerFailed whether the worker failed
     * @throws Exception if the call fails
     */
    public void giveBack(ByteString leaseId, boolean workerFailed) throws Exception {
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .returnWorkerLease(
              ReturnLeaseRequest.newBuilder()
                  .setLeaseId(leaseId)
                  .setWorkerFailed(workerFailed)
                  .build())
          .get(10, TimeUnit.SECONDS);
    }

    /**
     * Tells the node manager, as a worker would, that a task on a lease started or stopped waiting.
     *
     * @param workerId the worker
     * @param leaseId the lease its waiting task came on
     * @param blocked true: it waits; false: it resumed
     * @throws Exception if the call fails
     */
    public void blocked(String workerId, ByteString leaseId, boolean blocked) throws Exception {
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .notifyWorkerBlocked(
              dev.prism.runtime.rpc.WorkerBlockedRequest.newBuilder()
                  .setWorkerId(workerId)
                  .setLeaseId(leaseId)
                  .setBlocked(blocked)
                  .build())
          .get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Returns the shared-memory files of object stores this JVM created.
   *
   * @return paths under /dev/shm named {@code prism-<this pid>-*}
   * @throws IOException if /dev/shm cannot be listed
   */
  public static List<Path> ownShmFiles() throws IOException {
    String prefix = "prism-" + ProcessHandle.current().pid() + "-";
    try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  /**
   * Returns the store sockets and spill directories this JVM's stores left in {@code
   * java.io.tmpdir}.
   *
   * @return paths named {@code prism-<this pid>-*}
   * @throws IOException if the directory cannot be listed
   */
  public static List<Path> ownTmpFiles() throws IOException {
    String prefix = "prism-" + ProcessHandle.current().pid() + "-";
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  /**
   * Asserts that nothing is left behind: no child process (waiting up to 10 s for exits to be
   * reaped), no shared-memory file, store socket or spill directory of this JVM.
   *
   * @throws IOException if a directory cannot be listed
   */
  public static void assertNothingLeaked() throws IOException {
    await("no child processes")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    assertThat(ownShmFiles()).as("shared-memory files of this JVM").isEmpty();
    assertThat(ownTmpFiles()).as("store sockets and spill directories of this JVM").isEmpty();
  }

  /**
   * Writes a raw object of {@code size} bytes with a position-dependent pattern.
   *
   * @param store where to write it
   * @param size its size in bytes
   * @return its id
   */
  public static ObjectId putPattern(StoreClient store, long size) {
    ObjectId id = ObjectId.random();
    try (ObjectWriter w = store.create(id, size)) {
      MemorySegment s = w.segment();
      for (long i = 0; i + 8 <= size; i += 8) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i * 0x9E3779B97F4A7C15L);
      }
      w.seal();
    }
    return id;
  }
}
