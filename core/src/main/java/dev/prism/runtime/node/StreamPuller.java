package dev.prism.runtime.node;

import com.google.protobuf.UnsafeByteOperations;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.runtime.rpc.PullChunk;
import dev.prism.runtime.rpc.PullRequest;
import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectWriter;
import dev.prism.store.StoreClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination side of the streamed {@code Pull} RPC, used when the source node has no data port
 * ({@link ObjectDataClient} is the fast path): parses every chunk straight into the object being
 * written ({@link PullReceiver}) and seals it. Each pull's callbacks run on one thread of its own
 * (the store writer is confined to the thread that created it).
 */
final class StreamPuller {

  private static final Logger LOG = LoggerFactory.getLogger(StreamPuller.class);

  /** How long a streamed pull may take at most (objects may be many GiB). */
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

  private final StoreClient store;
  private final int chunkSize;
  private final Duration createTimeout;

  StreamPuller(StoreClient store, int chunkSize, Duration createTimeout) {
    this.store = store;
    this.chunkSize = chunkSize;
    this.createTimeout = createTimeout;
  }

  /**
   * Pulls one object over the {@code Pull} stream and seals it here.
   *
   * @param channel to the source's node manager
   * @param what the pull, for messages
   * @param created runs once the object was created here
   * @return the object's size
   * @throws InterruptedException if interrupted (the call is cancelled)
   * @throws RuntimeException the failure ({@link StatusRuntimeException}, a store exception)
   */
  long pull(Channel channel, ObjectId id, String what, Runnable created)
      throws InterruptedException {
    PullRequest request =
        PullRequest.newBuilder()
            .setObjectId(UnsafeByteOperations.unsafeWrap(id.toBytes()))
            .setChunkSize(chunkSize)
            .build();
    ExecutorService serial =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform()
                .daemon()
                .name("prism-pull-" + id.toString().substring(0, 8))
                .factory());
    ObjectWriter[] writer = new ObjectWriter[1];
    PullReceiver receiver =
        new PullReceiver(
            what,
            size -> {
              writer[0] = store.create(id, size, CopyKind.SECONDARY, createTimeout);
              created.run();
              return writer[0].segment();
            });
    MethodDescriptor<PullRequest, PullChunk> pull = ObjectManagerServiceGrpc.getPullMethod();
    MethodDescriptor<PullRequest, PullChunk> method =
        pull.toBuilder(pull.getRequestMarshaller(), receiver).build();
    CallOptions options =
        CallOptions.DEFAULT
            .withExecutor(serial)
            .withDeadlineAfter(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    CompletableFuture<Long> done = new CompletableFuture<>();
    try {
      ClientCall<PullRequest, PullChunk> call = channel.newCall(method, options);
      ClientCalls.asyncServerStreamingCall(
          call,
          request,
          new StreamObserver<>() {
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
                  throw new StatusRuntimeException(
                      Status.DATA_LOSS.withDescription(
                          what
                              + " ended after "
                              + receiver.received()
                              + " of "
                              + total
                              + " bytes"));
                }
                writer[0].seal();
                store.sync();
                done.complete(total);
              } catch (RuntimeException e) {
                closeWriter(writer);
                done.completeExceptionally(e);
              }
            }
          });
      try {
        return done.get();
      } catch (InterruptedException e) {
        call.cancel("cancelled", null);
        throw e;
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r
            ? r
            : new StatusRuntimeException(
                Status.UNAVAILABLE
                    .withCause(e.getCause())
                    .withDescription(String.valueOf(e.getCause())));
      }
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
}
