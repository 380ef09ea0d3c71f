package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.GetTimeoutException;
import dev.prism.ObjectLostException;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GetObjectReply;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.UpdateBorrowersReply;
import dev.prism.runtime.rpc.UpdateBorrowersRequest;
import dev.prism.store.ObjectId;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's conversations with the owners of objects it borrows: registering as a borrower
 * (synchronously, before a borrowed ref is used), giving borrows back (batched, in the background)
 * and fetching objects from their owners (long-polling until they are ready).
 */
final class BorrowNotifier implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BorrowNotifier.class);

  /** The longest a single owner poll waits; longer waits poll again. */
  private static final long POLL_MS = 30_000;

  private static final long RPC_DEADLINE_MS = 30_000;

  /** What the notifier needs from the process it runs in. */
  interface Host {
    /** This process's RPC address: the borrower the owners are told about. */
    Address self();

    /** The shared channel to another process. */
    Channel channelTo(Address process);

    /** Whether this process is shutting down (then background polls stop). */
    boolean isShutdown();

    /** The value an object read as when it could not be fetched. */
    StoredValue errorValue(TaskError error);
  }

  private final Host host;
  private final ScheduledExecutorService timer;
  private final Map<String, Removal> removals = new LinkedHashMap<>();
  private boolean flushScheduled;

  private record Removal(Address owner, List<ByteString> ids) {}

  /**
   * @param host the process it runs in
   * @param timer runs the batched sending of given-back borrows
   */
  BorrowNotifier(Host host, ScheduledExecutorService timer) {
    this.host = host;
    this.timer = timer;
  }

  /** Registers {@code borrower} with the owners of the refs; returns once they all know. */
  void addBorrowers(Address borrower, List<ObjectRefProto> refs) {
    if (borrower.getWorkerId().equals(host.self().getWorkerId())) {
      // A removal of the same borrow still waiting to be sent would reach the owner after this
      // add and undo it: drop it instead (the owner then never saw this process leave).
      synchronized (this) {
        for (ObjectRefProto ref : refs) {
          Removal pending = removals.get(key(ref.getOwner()));
          if (pending != null) {
            pending.ids().remove(ref.getObjectId());
          }
        }
      }
    }
    Map<String, List<ObjectRefProto>> byOwner = new LinkedHashMap<>();
    for (ObjectRefProto ref : refs) {
      byOwner.computeIfAbsent(key(ref.getOwner()), k -> new ArrayList<>()).add(ref);
    }
    for (List<ObjectRefProto> group : byOwner.values()) {
      Address owner = group.getFirst().getOwner();
      UpdateBorrowersRequest.Builder request =
          UpdateBorrowersRequest.newBuilder().setBorrower(borrower);
      for (ObjectRefProto ref : group) {
        request.addAdded(ref.getObjectId());
      }
      try {
        UpdateBorrowersReply reply =
            CoreWorkerServiceGrpc.newBlockingStub(host.channelTo(owner))
                .withDeadlineAfter(RPC_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .updateBorrowers(request.build());
        if (reply.getUnknownCount() > 0) {
          LOG.debug(
              "{} borrowed object(s) were already freed by their owner", reply.getUnknownCount());
        }
      } catch (StatusRuntimeException e) {
        LOG.warn(
            "cannot tell the owner at {}:{} about {} borrowed object(s): {}",
            owner.getHost(),
            owner.getPort(),
            group.size(),
            e.getStatus());
      }
    }
  }

  /** Gives a borrow back to its owner, batched with others in the background. */
  void removeBorrow(Address owner, ObjectId id) {
    synchronized (this) {
      removals
          .computeIfAbsent(key(owner), k -> new Removal(owner, new ArrayList<>()))
          .ids()
          .add(ByteString.copyFrom(id.toBytes()));
      if (flushScheduled) {
        return;
      }
      flushScheduled = true;
    }
    try {
      timer.schedule(this::flush, 5, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // Shutting down: owners clean up when this process goes away.
    }
  }

  private void flush() {
    List<Removal> batch;
    synchronized (this) {
      batch = new ArrayList<>(removals.values());
      removals.clear();
      flushScheduled = false;
    }
    for (Removal r : batch) {
      CoreWorkerServiceGrpc.newStub(host.channelTo(r.owner()))
          .withDeadlineAfter(RPC_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .updateBorrowers(
              UpdateBorrowersRequest.newBuilder()
                  .setBorrower(host.self())
                  .addAllRemoved(r.ids())
                  .build(),
              ignoring("returning borrows"));
    }
  }

  /** Fetches an object from its owner, blocking until it is ready or the deadline passes. */
  StoredValue fetch(ObjectId id, Address owner, long deadline, Duration timeout) {
    return fetch(id, owner, deadline, timeout, null);
  }

  /**
   * Fetches an object from its owner; with {@code lostNodeId}, first tells the owner that the
   * stored copy it named on that node could not be read, so it rebuilds the object (unless it
   * already did).
   */
  StoredValue fetch(
      ObjectId id, Address owner, long deadline, Duration timeout, String lostNodeId) {
    boolean tellLost = lostNodeId != null;
    while (true) {
      long remainingMs =
          deadline == Long.MAX_VALUE
              ? POLL_MS
              : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMs <= 0) {
        throw new GetTimeoutException("ObjectRef(" + id + ") was not ready within " + timeout);
      }
      long pollMs = Math.min(remainingMs, POLL_MS);
      GetObjectReply reply;
      try {
        reply =
            CoreWorkerServiceGrpc.newBlockingStub(host.channelTo(owner))
                .withDeadlineAfter(pollMs + 10_000, TimeUnit.MILLISECONDS)
                .getObject(
                    GetObjectRequest.newBuilder()
                        .setObjectId(ByteString.copyFrom(id.toBytes()))
                        .setLost(tellLost)
                        .setLostNodeId(tellLost ? lostNodeId : "")
                        .setTimeoutMs(pollMs)
                        .build());
      } catch (StatusRuntimeException e) {
        throw lost(id, owner, e);
      }
      tellLost = false;
      switch (reply.getStatus()) {
        case READY -> {
          return StoredValue.fromProto(reply.getObject());
        }
        case TIMEOUT -> {
          // poll again until the caller's deadline
        }
        default ->
            throw new ObjectLostException(
                "ObjectRef("
                    + id
                    + "): its owner at "
                    + owner.getHost()
                    + ":"
                    + owner.getPort()
                    + " no longer has it ("
                    + reply.getStatus()
                    + ")");
      }
    }
  }

  /** Fetches an object from its owner in the background; failures become error values. */
  CompletableFuture<StoredValue> fetchAsync(ObjectId id, Address owner) {
    CompletableFuture<StoredValue> result = new CompletableFuture<>();
    poll(id, owner, result);
    return result;
  }

  private void poll(ObjectId id, Address owner, CompletableFuture<StoredValue> result) {
    CoreWorkerServiceGrpc.newStub(host.channelTo(owner))
        .withDeadlineAfter(POLL_MS + 10_000, TimeUnit.MILLISECONDS)
        .getObject(
            GetObjectRequest.newBuilder()
                .setObjectId(ByteString.copyFrom(id.toBytes()))
                .setTimeoutMs(POLL_MS)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(GetObjectReply reply) {
                switch (reply.getStatus()) {
                  case READY -> result.complete(StoredValue.fromProto(reply.getObject()));
                  case TIMEOUT -> {
                    if (!host.isShutdown()) {
                      poll(id, owner, result);
                    }
                  }
                  default ->
                      result.complete(
                          host.errorValue(
                              TaskError.system(
                                  TaskError.Kind.OBJECT_LOST,
                                  "ObjectRef(" + id + ")",
                                  "its owner no longer has it (" + reply.getStatus() + ")")));
                }
              }

              @Override
              public void onError(Throwable t) {
                result.complete(
                    host.errorValue(
                        TaskError.system(
                            TaskError.Kind.OBJECT_LOST,
                            "ObjectRef(" + id + ")",
                            "its owner is unreachable: " + Status.fromThrowable(t))));
              }

              @Override
              public void onCompleted() {}
            });
  }

  private static ObjectLostException lost(ObjectId id, Address owner, StatusRuntimeException e) {
    return new ObjectLostException(
        "ObjectRef("
            + id
            + "): its owner at "
            + owner.getHost()
            + ":"
            + owner.getPort()
            + " cannot be reached ("
            + e.getStatus().getCode()
            + "); the owner process may have exited",
        e);
  }

  private static String key(Address a) {
    return a.getHost() + ":" + a.getPort();
  }

  static <T> StreamObserver<T> ignoring(String what) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        LOG.debug("{} failed: {}", what, t.toString());
      }

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public void close() {
    synchronized (this) {
      removals.clear();
    }
  }
}
