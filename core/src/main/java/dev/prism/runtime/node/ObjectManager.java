package dev.prism.runtime.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.rpc.PullChunk;
import dev.prism.runtime.rpc.PullRequest;
import dev.prism.store.CopyKind;
import dev.prism.store.ObjectBuffer;
import dev.prism.store.ObjectExistsException;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.ObjectWriter;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreException;
import dev.prism.store.StoreFullException;
import dev.prism.store.StoreTimeoutException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.MemorySegment;
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
 * Moves objects between nodes: serves {@code ObjectManagerService} (see
 * {@code object_manager.proto}) on the node manager's port.
 *
 * <p><b>Pull</b> (the source side) pins the object in this node's store and streams it in
 * chunks straight from the shared mapping (each chunk wraps the mapped bytes; gRPC copies them
 * into its send buffers), sending only while the call is ready, so a slow reader holds at most
 * the HTTP/2 window in memory, never the object. The pin is released when the stream ends or is
 * cancelled.
 *
 * <p><b>FetchObject</b> (the destination side) pulls an object from the node that holds it into
 * this node's store as a {@linkplain CopyKind#SECONDARY secondary} copy, which the store may
 * evict under memory pressure (a later read pulls it again). Concurrent fetches of one object
 * share one pull; each pull runs on its own thread, which creates the object once the first
 * chunk says its size, parses every chunk straight into the shared mapping as it arrives
 * ({@link PullReceiver}: one copy from gRPC's receive buffers, nothing on the heap) and seals it.
 */
final class ObjectManager extends ObjectManagerServiceGrpc.ObjectManagerServiceImplBase
    implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectManager.class);

  /**
   * Bytes per chunk that pulls ask for: the system property {@code prism.objectChunkBytes}, by
   * default 4 MiB (see the transfer benchmark).
   */
  static final int DEFAULT_CHUNK_SIZE =
      Math.clamp(Integer.getInteger("prism.objectChunkBytes", 4 << 20), 64 << 10, 64 << 20);
  /** The largest chunk a puller may ask for. */
  static final int MAX_CHUNK_SIZE = 64 << 20;
  /** The HTTP/2 flow-control window of pull channels: bounds what is buffered per pull. */
  static final int FLOW_CONTROL_WINDOW = 16 << 20;
  /** How long a pull may take at most (objects may be many GiB; dead peers fail faster). */
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);
  /** How long a pull waits for room in this node's store. */
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  /** How long Pull waits for the source object (sealed, or restored from its spill file). */
  private static final Duration SOURCE_GET_TIMEOUT = Duration.ofSeconds(30);

  private final String nodeId;
  private final StoreClient store;
  private final NodeDirectory directory;
  private final int chunkSize;
  private final ConcurrentHashMap<ObjectId, CompletableFuture<FetchObjectReply>> inFlight =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ExecutorService pullers = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("prism-pull-", 0).factory());
  private final AtomicLong pulls = new AtomicLong();
  private final AtomicLong bytesPulled = new AtomicLong();
  private volatile boolean closed;

  ObjectManager(String nodeId, StoreClient store, NodeDirectory directory, int chunkSize) {
    this.nodeId = nodeId;
    this.store = store;
    this.directory = directory;
    this.chunkSize = chunkSize;
  }

  /** How many objects this node pulled into its store (for tests and diagnostics). */
  long pullCount() {
    return pulls.get();
  }

  /** How many bytes this node pulled into its store. */
  long bytesPulled() {
    return bytesPulled.get();
  }

  // ------------------------------------------------------------------ source side

  @Override
  public void pull(PullRequest request, StreamObserver<PullChunk> observer) {
    ServerCallStreamObserver<PullChunk> out = (ServerCallStreamObserver<PullChunk>) observer;
    ObjectId id;
    try {
      id = ObjectId.of(request.getObjectId().toByteArray());
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    ObjectBuffer buf;
    try {
      buf = store.get(id, SOURCE_GET_TIMEOUT);
    } catch (ObjectNotFoundException e) {
      out.onError(Status.NOT_FOUND.withDescription("object " + id + " is not in the store of node "
          + nodeId + " (freed, or it never lived here)").asRuntimeException());
      return;
    } catch (StoreException e) {
      out.onError(Status.UNAVAILABLE.withDescription("cannot read object " + id + " on node "
          + nodeId + ": " + e.getMessage()).asRuntimeException());
      return;
    }
    long size = buf.size();
    if (request.getOffset() < 0 || request.getOffset() > size) {
      buf.close();
      out.onError(Status.OUT_OF_RANGE.withDescription("offset " + request.getOffset()
          + " is outside object " + id + " of " + size + " bytes").asRuntimeException());
      return;
    }
    int chunk = request.getChunkSize() > 0 ? Math.min(request.getChunkSize(), MAX_CHUNK_SIZE)
        : chunkSize;
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
          ByteString data = n == 0 ? ByteString.EMPTY
              : UnsafeByteOperations.unsafeWrap(bytes.asSlice(position, n).asByteBuffer());
          out.onNext(PullChunk.newBuilder().setTotalSize(size).setOffset(position).setData(data)
              .build());
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
          out.onError(Status.UNAVAILABLE.withDescription("pull stopped: " + e).asRuntimeException());
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
    ObjectId id;
    try {
      id = ObjectId.of(request.getObjectId().toByteArray());
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    fetch(id, request.getSourceNodeId()).whenComplete((reply, error) -> {
      try {
        if (error == null) {
          out.onNext(reply);
          out.onCompleted();
        } else {
          out.onError(toStatus(id, request.getSourceNodeId(), unwrap(error)).asRuntimeException());
        }
      } catch (RuntimeException e) {
        LOG.debug("answering a fetch of {}: {}", id, e.toString()); // caller gone
      }
    });
  }

  /**
   * Makes sure an object is sealed in this node's store, pulling it from {@code sourceNode} when
   * it is not; callers that ask while a pull of the object runs share it.
   *
   * @return completes when the object is here, or fails with the reason it cannot be
   */
  CompletableFuture<FetchObjectReply> fetch(ObjectId id, String sourceNode) {
    CompletableFuture<FetchObjectReply> running = inFlight.get(id);
    if (running != null) {
      return running;
    }
    try {
      if (store.contains(id)) {
        return CompletableFuture.completedFuture(FetchObjectReply.getDefaultInstance());
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (sourceNode.equals(nodeId)) {
      return CompletableFuture.failedFuture(new ObjectNotFoundException("object " + id
          + " should be in the store of node " + nodeId + ", but it is not (freed or lost)"));
    }
    CompletableFuture<FetchObjectReply> mine = new CompletableFuture<>();
    running = inFlight.putIfAbsent(id, mine);
    if (running != null) {
      return running;
    }
    try {
      pullers.execute(() -> {
        try {
          mine.complete(pullHere(id, sourceNode));
        } catch (Throwable t) {
          mine.completeExceptionally(t);
        } finally {
          inFlight.remove(id, mine);
        }
      });
    } catch (RejectedExecutionException e) {
      inFlight.remove(id, mine);
      mine.completeExceptionally(new StatusRuntimeException(Status.UNAVAILABLE.withDescription(
          "node " + nodeId + " is shutting down")));
    }
    return mine;
  }

  /** One pull, on its own thread (the store writer is confined to the thread that created it). */
  private FetchObjectReply pullHere(ObjectId id, String sourceNode) {
    if (closed) {
      throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(
          "node " + nodeId + " is shutting down"));
    }
    Address source = switch (directory.find(sourceNode)) {
      case NodeDirectory.Lookup.Alive a -> a.address();
      case NodeDirectory.Lookup.Unavailable u -> throw new StatusRuntimeException(
          Status.UNAVAILABLE.withDescription(u.reason()));
    };
    PullRequest request = PullRequest.newBuilder()
        .setObjectId(UnsafeByteOperations.unsafeWrap(id.toBytes()))
        .setChunkSize(chunkSize)
        .build();
    long started = System.nanoTime();
    // One thread per pull parses the chunks into the store and seals (the writer is confined
    // to the thread that created it): it is the call's executor, so every callback runs there.
    ExecutorService serial = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().daemon().name("prism-pull-" + id.toString().substring(0, 8)).factory());
    ObjectWriter[] writer = new ObjectWriter[1];
    PullReceiver receiver = new PullReceiver("pull of " + id + " from node " + sourceNode,
        size -> {
          writer[0] = store.create(id, size, CopyKind.SECONDARY, CREATE_TIMEOUT);
          pulls.incrementAndGet();
          return writer[0].segment();
        });
    MethodDescriptor<PullRequest, PullChunk> pull = ObjectManagerServiceGrpc.getPullMethod();
    MethodDescriptor<PullRequest, PullChunk> method =
        pull.toBuilder(pull.getRequestMarshaller(), receiver).build();
    CallOptions options = CallOptions.DEFAULT.withExecutor(serial)
        .withDeadlineAfter(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    CompletableFuture<FetchObjectReply> done = new CompletableFuture<>();
    try {
      ClientCall<PullRequest, PullChunk> call = channelTo(source).newCall(method, options);
      ClientCalls.asyncServerStreamingCall(call, request, new StreamObserver<>() {
        @Override
        public void onNext(PullChunk chunk) {
          // the bytes are in the store already (PullReceiver)
        }

        @Override
        public void onError(Throwable t) {
          closeWriter(writer);
          done.completeExceptionally(receiver.failure() != null ? receiver.failure() : t);
        }

        @Override
        public void onCompleted() {
          try {
            long total = receiver.total();
            if (writer[0] == null || receiver.received() != total) {
              throw new StatusRuntimeException(Status.DATA_LOSS.withDescription("pull of " + id
                  + " from node " + sourceNode + " ended after " + receiver.received() + " of "
                  + total + " bytes"));
            }
            writer[0].seal();
            store.sync();
            done.complete(FetchObjectReply.newBuilder().setSize(total).setPulled(true).build());
          } catch (RuntimeException e) {
            closeWriter(writer);
            done.completeExceptionally(e);
          }
        }
      });
      FetchObjectReply reply;
      try {
        reply = done.get();
      } catch (InterruptedException e) {
        call.cancel("node " + nodeId + " is shutting down", null);
        Thread.currentThread().interrupt();
        throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(
            "node " + nodeId + " is shutting down"));
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof ObjectExistsException) {
          // another pull finished in between: wait for its seal instead of pulling again
          store.get(id, CREATE_TIMEOUT).close();
          return FetchObjectReply.newBuilder().setSize(Math.max(0, receiver.total())).build();
        }
        throw e.getCause() instanceof RuntimeException r ? r
            : new StatusRuntimeException(Status.UNAVAILABLE.withCause(e.getCause())
                .withDescription(String.valueOf(e.getCause())));
      }
      bytesPulled.addAndGet(reply.getSize());
      if (LOG.isDebugEnabled()) {
        double secs = (System.nanoTime() - started) / 1e9;
        LOG.debug("pulled {} ({} bytes) from node {} in {} s ({} MiB/s)", id, reply.getSize(),
            sourceNode, String.format("%.3f", secs),
            String.format("%.0f", reply.getSize() / secs / (1 << 20)));
      }
      return reply;
    } finally {
      serial.shutdown();
    }
  }

  private static void closeWriter(ObjectWriter[] writer) {
    if (writer[0] != null) {
      try {
        writer[0].close(); // aborts it unless sealed
      } catch (RuntimeException e) {
        LOG.debug("aborting a failed pull: {}", e.toString());
      }
    }
  }

  private ManagedChannel channelTo(Address a) {
    String hostPort = a.getHost() + ":" + a.getPort();
    return channels.computeIfAbsent(hostPort, hp -> NettyChannelBuilder
        .forAddress(a.getHost(), a.getPort())
        .usePlaintext()
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
    String prefix = "cannot fetch object " + id + " from node " + source + " to node " + nodeId
        + ": ";
    if (t instanceof StatusRuntimeException s) {
      Status st = s.getStatus();
      Status.Code code = st.getCode() == Status.Code.UNKNOWN || st.getCode() == Status.Code.INTERNAL
          ? Status.Code.UNAVAILABLE : st.getCode();
      String why = st.getDescription() != null ? st.getDescription()
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

  /** Stops pulling: running pulls fail, channels to other nodes close, the store client too. */
  @Override
  public void close() {
    closed = true;
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    pullers.shutdownNow();
    try {
      pullers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
  }
}
