package dev.prism.runtime.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.rpc.OpenPullReply;
import dev.prism.runtime.rpc.OpenPullRequest;
import dev.prism.runtime.rpc.PullChunk;
import dev.prism.runtime.rpc.PullRequest;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.store.CopyKind;
import dev.prism.store.ObjectBuffer;
import dev.prism.store.ObjectExistsException;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreException;
import dev.prism.store.StoreFullException;
import dev.prism.store.StoreTimeoutException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves objects between nodes: serves {@code ObjectManagerService} (see {@code
 * object_manager.proto}) on the node manager's port, and the object data port ({@link
 * ObjectDataServer}) on its host.
 *
 * <p><b>FetchObject</b> (the destination side) pulls an object from the node that holds it into
 * this node's store as a {@linkplain CopyKind#SECONDARY secondary} copy, which the store may evict
 * under memory pressure (a later read pulls it again). Concurrent fetches of one object share one
 * pull; each pull runs on its own thread: {@code OpenPull} asks the source for the object's size
 * and data port over gRPC, then {@link ObjectDataClient} reads the bytes over a plain TCP
 * connection straight into the created object's shared memory and seals it. A source without a data
 * port is read over the streamed {@code Pull} RPC instead ({@link StreamPuller}).
 *
 * <p><b>OpenPull</b> and the data port (the source side) serve objects from this node's store;
 * <b>Pull</b> streams an object in chunks straight from the shared mapping (each chunk wraps the
 * mapped bytes; gRPC copies them into its send buffers), sending only while the call is ready.
 * Either side pins the object while it sends it and releases the pin when the transfer ends,
 * however it ends.
 */
final class ObjectManager extends ObjectManagerServiceGrpc.ObjectManagerServiceImplBase
    implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectManager.class);

  /** The largest chunk a puller may ask for. */
  static final int MAX_CHUNK_SIZE = ObjectTransferConfig.MAX_CHUNK_BYTES;

  /** The HTTP/2 flow-control window of pull channels: bounds what is buffered per pull. */
  static final int FLOW_CONTROL_WINDOW = 16 << 20;

  /** How long OpenPull may take (it may wait for the source to restore a spilled object). */
  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

  /** How long a pull waits for room in this node's store. */
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);

  /** How long Pull waits for the source object (sealed, or restored from its spill file). */
  private static final Duration SOURCE_GET_TIMEOUT = Duration.ofSeconds(30);

  private final String nodeId;
  private final StoreClient store;
  private final NodeDirectory directory;
  private final int chunkSize;
  private final ObjectTransferConfig transfer;

  /** The pulls in flight, by object, with their source (to fail them when it dies). */
  private final ConcurrentHashMap<ObjectId, Pull> inFlight = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  // platform threads: a pull blocks in large socket reads, which a virtual thread would turn
  // into a park and a poller wake-up each time the socket's buffer drains
  private final ExecutorService pullers =
      Executors.newThreadPerTaskExecutor(
          Thread.ofPlatform().daemon().name("prism-pull-", 0).factory());
  private final AtomicLong pulls = new AtomicLong();
  private final AtomicLong bytesPulled = new AtomicLong();
  private final TransferWatchdog watchdog;
  private final ObjectDataClient dataClient;
  private final StreamPuller streamPuller;
  private volatile ObjectDataServer dataServer;
  private volatile String dataHost = "";
  private volatile int advertisedDataPort = -1;
  private volatile boolean closed;
  private final ClusterToken token;

  ObjectManager(
      String nodeId,
      StoreClient store,
      NodeDirectory directory,
      ObjectTransferConfig transfer,
      ClusterToken token) {
    this.nodeId = nodeId;
    this.token = token;
    this.store = store;
    this.directory = directory;
    this.transfer = transfer;
    this.chunkSize = transfer.chunkBytes();
    this.watchdog =
        new TransferWatchdog(
            "prism-data-watchdog-" + nodeId.substring(0, Math.min(8, nodeId.length())),
            transfer.idleTimeout());
    this.dataClient = new ObjectDataClient(store, watchdog, CREATE_TIMEOUT, transfer, token);
    this.streamPuller = new StreamPuller(store, chunkSize, CREATE_TIMEOUT);
    directory.onDeath(this::sourceDied);
  }

  /** A pull in flight: what its callers wait on, and the node it reads from. */
  private record Pull(CompletableFuture<FetchObjectReply> result, String sourceNode) {}

  /**
   * A node died: the callers of every pull in flight from it get their answer now (the object is
   * lost there, so its owner may rebuild it), not when the pull's own timeouts end it. A host cut
   * off the network answers nothing: its connections hang until the open deadline (60 s) or the
   * data idle timeout (30 s), long after the GCS declared it dead. The pull's thread is left to end
   * on those timeouts (interrupting it could close the store client's channel it shares).
   */
  private void sourceDied(NodeInfo node) {
    for (var e : inFlight.entrySet()) {
      Pull pull = e.getValue();
      if (!pull.sourceNode().equals(node.getNodeId()) || !inFlight.remove(e.getKey(), pull)) {
        continue;
      }
      boolean failed =
          pull.result()
              .completeExceptionally(
                  new StatusRuntimeException(
                      Status.UNAVAILABLE.withDescription(
                          "node "
                              + node.getNodeId()
                              + " died while this node pulled the object from it"
                              + (node.getDeathReason().isBlank()
                                  ? ""
                                  : " (" + node.getDeathReason() + ")"))));
      if (failed) {
        LOG.info("pull of {} from node {} failed: that node died", e.getKey(), node.getNodeId());
      }
    }
  }

  /**
   * Starts serving objects on a TCP data port bound to {@code host} (any free port), unless {@link
   * ObjectTransferConfig#dataChannel} is off.
   *
   * @throws IOException if the port cannot be bound
   */
  void listen(String host) throws IOException {
    if (Rpc.usesTls()) {
      // The data port is plain TCP: with TLS on, objects move over the TLS gRPC stream instead
      // (BoringSSL through netty: 1.08 GiB/s between hosts, where TLS on the data port through
      // the JDK's SSLSocket measured 0.77 GiB/s; benchmarks/README.md, "TLS between hosts").
      LOG.info("TLS is on: node {} serves objects over TLS gRPC, not its plain data port", nodeId);
      return;
    }
    if (transfer.dataChannel() && dataServer == null) {
      dataServer =
          ObjectDataServer.start(
              nodeId, store, watchdog, host, 0, SOURCE_GET_TIMEOUT, transfer, token);
      dataHost = host;
    }
  }

  /** The data port, or 0 when this node serves objects over the {@code Pull} RPC only. */
  int dataPort() {
    ObjectDataServer d = dataServer;
    return d == null ? 0 : d.port();
  }

  /** Makes OpenPull advertise another data port (tests: an unknown or misbehaving port). */
  void advertiseDataPort(int port) {
    advertisedDataPort = port;
  }

  /** Changes how long a data connection may stall before it is cut (tests). */
  void dataIdleTimeout(Duration timeout) {
    watchdog.idleTimeout(timeout);
  }

  /** How many objects this node pulled into its store (for tests and diagnostics). */
  long pullCount() {
    return pulls.get();
  }

  /** How many bytes this node pulled into its store. */
  long bytesPulled() {
    return bytesPulled.get();
  }

  /** Parses a request's object id; on a malformed one answers INVALID_ARGUMENT, returns null. */
  private static ObjectId objectIdOrRefuse(
      com.google.protobuf.ByteString raw, StreamObserver<?> out) {
    try {
      return ObjectId.of(raw.toByteArray());
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return null;
    }
  }

  // ------------------------------------------------------------------ source side

  @Override
  public void openPull(OpenPullRequest request, StreamObserver<OpenPullReply> out) {
    ObjectId id = objectIdOrRefuse(request.getObjectId(), out);
    if (id == null) {
      return;
    }
    long size;
    try (ObjectBuffer buf = store.get(id, SOURCE_GET_TIMEOUT)) {
      size = buf.size();
    } catch (ObjectNotFoundException e) {
      out.onError(notHere(id).asRuntimeException());
      return;
    } catch (StoreException e) {
      out.onError(
          Status.UNAVAILABLE
              .withDescription(
                  "cannot read object " + id + " on node " + nodeId + ": " + e.getMessage())
              .asRuntimeException());
      return;
    }
    int port = advertisedDataPort >= 0 ? advertisedDataPort : dataPort();
    out.onNext(
        OpenPullReply.newBuilder()
            .setTotalSize(size)
            .setDataPort(port)
            .setDataHost(port > 0 ? dataHost : "")
            .build());
    out.onCompleted();
  }

  private Status notHere(ObjectId id) {
    return Status.NOT_FOUND.withDescription(
        "object "
            + id
            + " is not in the store of node "
            + nodeId
            + " (freed, or it never lived here)");
  }

  @Override
  public void pull(PullRequest request, StreamObserver<PullChunk> observer) {
    ServerCallStreamObserver<PullChunk> out = (ServerCallStreamObserver<PullChunk>) observer;
    ObjectId id = objectIdOrRefuse(request.getObjectId(), out);
    if (id == null) {
      return;
    }
    ObjectBuffer buf;
    try {
      buf = store.get(id, SOURCE_GET_TIMEOUT);
    } catch (ObjectNotFoundException e) {
      out.onError(notHere(id).asRuntimeException());
      return;
    } catch (StoreException e) {
      out.onError(
          Status.UNAVAILABLE
              .withDescription(
                  "cannot read object " + id + " on node " + nodeId + ": " + e.getMessage())
              .asRuntimeException());
      return;
    }
    long size = buf.size();
    if (request.getOffset() < 0 || request.getOffset() > size) {
      buf.close();
      out.onError(
          Status.OUT_OF_RANGE
              .withDescription(
                  "offset "
                      + request.getOffset()
                      + " is outside object "
                      + id
                      + " of "
                      + size
                      + " bytes")
              .asRuntimeException());
      return;
    }
    int chunk =
        request.getChunkSize() > 0 ? Math.min(request.getChunkSize(), MAX_CHUNK_SIZE) : chunkSize;
    new Sender(out, buf, request.getOffset(), chunk).start();
  }

  /** Streams one pinned object while the call is ready; releases the pin when done. */
  private static final class Sender {
    private final ServerCallStreamObserver<PullChunk> out;
    private final ObjectBuffer buf;
    private final MemorySegment bytes;
    private final int chunk;
    private long position;
    private boolean sentAny;
    private boolean done;

    Sender(ServerCallStreamObserver<PullChunk> out, ObjectBuffer buf, long offset, int chunk) {
      this.out = out;
      this.buf = buf;
      this.bytes = buf.segment();
      this.position = offset;
      this.chunk = chunk;
    }

    void start() {
      // let a couple of chunks queue up behind the HTTP/2 window, so the socket never idles
      // while the next chunk is serialized (memory per pull stays bounded by window + 2 chunks)
      out.setOnReadyThreshold(2 * chunk);
      out.setOnCancelHandler(this::finish);
      out.setOnReadyHandler(this::drain);
      drain();
    }

    private synchronized void drain() {
      long size = bytes.byteSize();
      try {
        while (!done && out.isReady()) {
          int n = (int) Math.min(chunk, size - position);
          // gRPC serializes the message into its own buffers inside onNext: wrapping the
          // mapped bytes is safe while the pin is held, and saves a copy.
          ByteString data =
              n == 0
                  ? ByteString.EMPTY
                  : UnsafeByteOperations.unsafeWrap(bytes.asSlice(position, n).asByteBuffer());
          out.onNext(
              PullChunk.newBuilder().setTotalSize(size).setOffset(position).setData(data).build());
          position += n;
          sentAny = true;
          if (position >= size) {
            out.onCompleted();
            finish();
          }
        }
      } catch (RuntimeException e) {
        // cancelled under us, or the mapping is gone (store closing)
        finish();
        try {
          out.onError(
              Status.UNAVAILABLE.withDescription("pull stopped: " + e).asRuntimeException());
        } catch (RuntimeException ignored) {
          // the call is already closed
        }
      }
    }

    private synchronized void finish() {
      if (!done) {
        done = true;
        buf.close();
      }
    }
  }

  // ------------------------------------------------------------------ destination side

  @Override
  public void fetchObject(FetchObjectRequest request, StreamObserver<FetchObjectReply> out) {
    ObjectId id = objectIdOrRefuse(request.getObjectId(), out);
    if (id == null) {
      return;
    }
    fetch(id, request.getSourceNodeId())
        .whenComplete(
            (reply, error) -> {
              try {
                if (error == null) {
                  out.onNext(reply);
                  out.onCompleted();
                } else {
                  out.onError(
                      toStatus(id, request.getSourceNodeId(), unwrap(error)).asRuntimeException());
                }
              } catch (RuntimeException e) {
                LOG.debug("answering a fetch of {}: {}", id, e.toString()); // caller gone
              }
            });
  }

  /**
   * Makes sure an object is sealed in this node's store, pulling it from {@code sourceNode} when it
   * is not; callers that ask while a pull of the object runs share it.
   *
   * @return completes when the object is here, or fails with the reason it cannot be
   */
  CompletableFuture<FetchObjectReply> fetch(ObjectId id, String sourceNode) {
    Pull running = inFlight.get(id);
    if (running != null) {
      return running.result();
    }
    try {
      if (store.contains(id)) {
        return CompletableFuture.completedFuture(FetchObjectReply.getDefaultInstance());
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (sourceNode.equals(nodeId)) {
      return CompletableFuture.failedFuture(
          new ObjectNotFoundException(
              "object "
                  + id
                  + " should be in the store of node "
                  + nodeId
                  + ", but it is not (freed or lost)"));
    }
    CompletableFuture<FetchObjectReply> mine = new CompletableFuture<>();
    Pull pull = new Pull(mine, sourceNode);
    running = inFlight.putIfAbsent(id, pull);
    if (running != null) {
      return running.result();
    }
    try {
      pullers.execute(
          () -> {
            FetchObjectReply reply = null;
            Throwable failure = null;
            try {
              reply = pullHere(id, sourceNode);
            } catch (Throwable t) {
              failure = t;
            } finally {
              // Before answering: a caller told of this pull's end that asks again (another
              // source, a retry) must start a new pull, not be handed this one's result.
              inFlight.remove(id, pull);
            }
            if (failure == null) {
              mine.complete(reply);
            } else {
              mine.completeExceptionally(failure);
            }
          });
    } catch (RejectedExecutionException e) {
      inFlight.remove(id, pull);
      mine.completeExceptionally(
          new StatusRuntimeException(
              Status.UNAVAILABLE.withDescription("node " + nodeId + " is shutting down")));
    }
    return mine;
  }

  /** One pull, on its own thread (the store writer is confined to the thread that created it). */
  private FetchObjectReply pullHere(ObjectId id, String sourceNode) {
    if (closed) {
      throw new StatusRuntimeException(
          Status.UNAVAILABLE.withDescription("node " + nodeId + " is shutting down"));
    }
    Address source =
        switch (directory.find(sourceNode)) {
          case NodeDirectory.Lookup.Alive a -> a.address();
          case NodeDirectory.Lookup.Unavailable u ->
              throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(u.reason()));
        };
    String what = "pull of " + id + " from node " + sourceNode;
    long started = System.nanoTime();
    long size;
    try {
      ManagedChannel channel = channelTo(source);
      OpenPullReply open =
          ObjectManagerServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .openPull(
                  OpenPullRequest.newBuilder()
                      .setObjectId(UnsafeByteOperations.unsafeWrap(id.toBytes()))
                      .build());
      if (open.getDataPort() > 0) {
        String host = open.getDataHost().isEmpty() ? source.getHost() : open.getDataHost();
        size =
            dataClient.pull(
                id, new InetSocketAddress(host, open.getDataPort()), what, pulls::incrementAndGet);
      } else {
        size = streamPuller.pull(channel, id, what, pulls::incrementAndGet);
      }
    } catch (ObjectExistsException e) {
      // another pull (or a local writer) finished in between: wait for its seal
      try (ObjectBuffer here = store.get(id, CREATE_TIMEOUT)) {
        return FetchObjectReply.newBuilder().setSize(here.size()).build();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusRuntimeException(
          Status.UNAVAILABLE.withDescription("node " + nodeId + " is shutting down"));
    }
    bytesPulled.addAndGet(size);
    if (LOG.isDebugEnabled()) {
      double secs = (System.nanoTime() - started) / 1e9;
      LOG.debug(
          "pulled {} ({} bytes) from node {} in {} s ({} MiB/s)",
          id,
          size,
          sourceNode,
          String.format("%.3f", secs),
          String.format("%.0f", size / secs / (1 << 20)));
    }
    return FetchObjectReply.newBuilder().setSize(size).setPulled(true).build();
  }

  private ManagedChannel channelTo(Address a) {
    String hostPort = a.getHost() + ":" + a.getPort();
    return channels.computeIfAbsent(
        hostPort,
        hp ->
            Rpc.channel(a.getHost(), a.getPort(), token)
                .flowControlWindow(FLOW_CONTROL_WINDOW)
                .maxInboundMessageSize(MAX_CHUNK_SIZE + (1 << 10))
                .build());
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private Status toStatus(ObjectId id, String source, Throwable t) {
    String prefix =
        "cannot fetch object " + id + " from node " + source + " to node " + nodeId + ": ";
    if (t instanceof StatusRuntimeException s) {
      Status st = s.getStatus();
      // A deadline between nodes (the source did not answer in time) is not the caller's
      // timeout: to the caller the copy there cannot be read, as when the source is gone.
      Status.Code code =
          switch (st.getCode()) {
            case UNKNOWN, INTERNAL, DEADLINE_EXCEEDED -> Status.Code.UNAVAILABLE;
            default -> st.getCode();
          };
      String why =
          st.getDescription() != null
              ? st.getDescription()
              : st.getCode() + (st.getCause() != null ? " (" + st.getCause() + ")" : "");
      return Status.fromCode(code).withDescription(prefix + why);
    }
    if (t instanceof StoreFullException || t instanceof StoreTimeoutException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(prefix + t.getMessage());
    }
    if (t instanceof ObjectNotFoundException) {
      return Status.NOT_FOUND.withDescription(prefix + t.getMessage());
    }
    LOG.warn("fetching object {} from node {} failed", id, source, t);
    return Status.UNAVAILABLE.withDescription(prefix + t);
  }

  /**
   * Stops serving and pulling: the data port closes (transfers from here are cut, their pins
   * released), running pulls fail, channels to other nodes close, the store client too.
   */
  @Override
  public void close() {
    closed = true;
    ObjectDataServer d = dataServer;
    if (d != null) {
      d.close();
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    pullers.shutdownNow();
    try {
      pullers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.close();
    store.close();
  }
}
