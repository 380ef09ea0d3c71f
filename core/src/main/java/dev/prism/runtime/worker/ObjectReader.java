package dev.prism.runtime.worker;

import dev.prism.GetTimeoutException;
import dev.prism.ObjectLostException;
import dev.prism.ObjectRef;
import dev.prism.PrismException;
import dev.prism.WaitResult;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.StoreClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The read side of objects in a process: {@code get} and {@code wait} on refs, and the values of
 * task arguments passed by reference. An object this process owns (or has cached) is waited for in
 * the memory store; a borrowed one is asked of its owner; a value in the node's shared memory is
 * read from the store (Arrow data zero-copy, through the store client's read-only mapping, so a
 * task that writes into a root it read stops its own process and changes nothing for other readers:
 * see {@link StoreClient}); one in another node's store is first copied into this node's store by
 * the node manager ({@link RemoteObjects}).
 */
final class ObjectReader {

  /** What the reader needs from the process it runs in. */
  interface Host {
    /** Throws if this process's Prism session was shut down. */
    void checkAlive();

    /** This process's worker id: refs it owns name it. */
    String workerId();

    /** The node this process runs on: values in its store are read directly. */
    String nodeId();

    /**
     * Rebuilds a lost object this process owns from lineage.
     *
     * @param id the object
     * @param lostNodeId the node whose copy was lost
     * @return whether it is being rebuilt (its memory-store slot then completes again)
     */
    boolean reconstruct(ObjectId id, String lostNodeId);

    /**
     * A wait that may last begins: a task waiting lends its CPU (see {@link
     * NodeManagerNotices#enterBlocking}).
     *
     * @return whether {@link #exitBlocking} must be called when the wait ends
     */
    boolean enterBlocking();

    /** The wait that {@link #enterBlocking} reported ended. */
    void exitBlocking();
  }

  private final Host host;
  private final MemoryStore memory;
  private final ReferenceCounter references;
  private final BorrowNotifier borrows;
  private final ValueCodec codec;
  private final StoreClient store;
  private final RemoteObjects remote;

  /**
   * @param host the process it runs in
   * @param memory this process's in-memory objects (owned ones, cached borrowed ones)
   * @param references this process's reference counts (a borrowed value is cached while tracked)
   * @param borrows asks the owners of borrowed objects for them
   * @param codec turns stored bytes into values
   * @param store this node's shared-memory store
   * @param remote copies objects from other nodes' stores into this node's
   */
  ObjectReader(
      Host host,
      MemoryStore memory,
      ReferenceCounter references,
      BorrowNotifier borrows,
      ValueCodec codec,
      StoreClient store,
      RemoteObjects remote) {
    this.host = host;
    this.memory = memory;
    this.references = references;
    this.borrows = borrows;
    this.codec = codec;
    this.store = store;
    this.remote = remote;
  }

  /**
   * Waits for an object's value.
   *
   * @param ref the ref
   * @param timeout how long to wait, or null for no limit
   * @param <T> the value's type
   * @return the value
   */
  @SuppressWarnings("unchecked")
  <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    try {
      StoredValue value = await(ref, deadline, timeout);
      while (true) {
        try {
          return (T) materialize(ref.objectId(), value, deadline);
        } catch (ObjectLostException e) {
          value = rebuilt(ref.objectId(), ref.owner(), value, e, deadline, timeout);
        }
      }
    } finally {
      // The handle keeps the object alive until its value is out.
      java.lang.ref.Reference.reachabilityFence(ref);
    }
  }

  /**
   * Waits until {@code numReturns} of the objects are ready or the timeout passes.
   *
   * @param refs the refs, in order
   * @param numReturns how many must be ready
   * @param timeout how long to wait at most
   * @param <T> the values' type
   * @return the ready refs (at most {@code numReturns}, in the order given) and the rest
   */
  /**
   * A ref's value as a future: read on the completing thread when it came inline, else on a virtual
   * thread (reading may map or fetch it from a store).
   */
  <T> CompletableFuture<T> future(ObjectRefImpl<T> ref) {
    host.checkAlive();
    CompletableFuture<StoredValue> slot = futureOf(ref);
    CompletableFuture<T> out = new CompletableFuture<>();
    slot.whenComplete(
        (value, error) -> {
          Runnable read =
              () -> {
                try {
                  out.complete(get(ref, FUTURE_READ_TIMEOUT));
                } catch (Throwable t) {
                  out.completeExceptionally(t);
                }
              };
          if (value != null && value.isInline()) {
            read.run();
          } else {
            Thread.ofVirtual().start(read);
          }
        });
    return out;
  }

  /** How long a future's read of a ready value (from a store, or a rebuild) may take. */
  private static final Duration FUTURE_READ_TIMEOUT = Duration.ofMinutes(10);

  <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
    host.checkAlive();
    List<CompletableFuture<StoredValue>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<T> r : refs) {
      ObjectRefImpl<T> impl = CoreWorker.asImpl(r);
      impl.checkSession();
      futures.add(futureOf(impl));
    }
    if (countDone(futures) < numReturns) {
      long deadline = System.nanoTime() + timeout.toNanos();
      long seen = memory.enter();
      boolean blocking = host.enterBlocking();
      try {
        while (countDone(futures) < numReturns) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          seen = memory.awaitChange(seen, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PrismException("interrupted while waiting for objects", e);
      } finally {
        memory.leave();
        if (blocking) {
          host.exitBlocking();
        }
      }
    }
    List<ObjectRef<T>> ready = new ArrayList<>();
    List<ObjectRef<T>> unready = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      if (ready.size() < numReturns && futures.get(i).isDone()) {
        ready.add(refs.get(i));
      } else {
        unready.add(refs.get(i));
      }
    }
    return new WaitResult<>(ready, unready);
  }

  private static int countDone(List<CompletableFuture<StoredValue>> futures) {
    int done = 0;
    for (CompletableFuture<StoredValue> f : futures) {
      if (f.isDone()) {
        done++;
      }
    }
    return done;
  }

  /**
   * Gets the value of a task argument passed by reference (no timeout: the task waits). A wait that
   * lasts (a borrowed value, one rebuilt from lineage) lends the task's CPU like a get inside the
   * task: the tasks that rebuild it may need that CPU.
   */
  Object getForArgument(ObjectRefProto proto) {
    boolean blocking = host.enterBlocking();
    try {
      return readArgument(proto);
    } finally {
      if (blocking) {
        host.exitBlocking();
      }
    }
  }

  private Object readArgument(ObjectRefProto proto) {
    ObjectId id = Ids.objectId(proto);
    CompletableFuture<StoredValue> slot = memory.find(id);
    StoredValue value;
    if (slot != null) {
      value = slot.join();
    } else {
      value = fetchFromOwner(id, proto.getOwner(), Long.MAX_VALUE, null, false);
    }
    while (true) {
      try {
        return materialize(id, value, Long.MAX_VALUE);
      } catch (ObjectLostException e) {
        value = rebuilt(id, proto.getOwner(), value, e, Long.MAX_VALUE, null);
      }
    }
  }

  /**
   * The stored copy named for an object could not be read (its node is gone): returns the object's
   * value made again from lineage — by this process when it owns it, else by its owner (told which
   * copy was lost). Throws {@code lost} when it cannot be made again (inline values, puts, tasks
   * out of retries), so callers looping over it end.
   */
  private StoredValue rebuilt(
      ObjectId id,
      Address owner,
      StoredValue lostValue,
      ObjectLostException lost,
      long deadline,
      Duration timeout) {
    if (lostValue.isInline()) {
      throw lost;
    }
    if (!owner.getWorkerId().equals(host.workerId())) {
      StoredValue again = borrows.fetch(id, owner, deadline, timeout, lostValue.nodeId());
      if (!again.isInline() && java.util.Objects.equals(again.nodeId(), lostValue.nodeId())) {
        throw lost; // the owner could not make it again
      }
      return again;
    }
    CompletableFuture<StoredValue> slot =
        host.reconstruct(id, lostValue.nodeId()) ? memory.find(id) : null;
    if (slot == null) {
      throw lost;
    }
    return awaitSlot("ObjectRef(" + id + ")", slot, deadline, timeout);
  }

  private StoredValue await(ObjectRefImpl<?> ref, long deadline, Duration timeout) {
    host.checkAlive();
    ObjectId id = ref.objectId();
    CompletableFuture<StoredValue> slot = memory.find(id);
    if (slot != null && slot.isDone()) {
      return slot.join();
    }
    boolean blocking = host.enterBlocking();
    try {
      if (slot == null) {
        if (owns(ref)) {
          throw new ObjectLostException(ref + " was already freed");
        }
        return fetchFromOwner(id, ref.owner(), deadline, timeout, true);
      }
      return awaitSlot(ref, slot, deadline, timeout);
    } finally {
      if (blocking) {
        host.exitBlocking();
      }
    }
  }

  private StoredValue awaitSlot(
      Object ref, CompletableFuture<StoredValue> slot, long deadline, Duration timeout) {
    try {
      return deadline == Long.MAX_VALUE
          ? slot.get()
          : slot.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new GetTimeoutException(ref + " was not ready within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PrismException("interrupted while waiting for " + ref, e);
    } catch (ExecutionException e) {
      throw new PrismException("waiting for " + ref + " failed: " + e.getCause(), e.getCause());
    }
  }

  private CompletableFuture<StoredValue> futureOf(ObjectRefImpl<?> ref) {
    CompletableFuture<StoredValue> slot = memory.find(ref.objectId());
    if (slot != null) {
      return slot;
    }
    if (owns(ref)) {
      return CompletableFuture.completedFuture(
          StoredValue.inline(
              ValueFormat.ERROR,
              codec.encodeError(
                  TaskError.system(
                      TaskError.Kind.OBJECT_LOST, ref.toString(), "it was already freed")),
              List.of()));
    }
    CompletableFuture<StoredValue> inflight = borrowedFetches.get(ref.objectId());
    if (inflight != null) {
      return inflight;
    }
    CompletableFuture<StoredValue> fetch = memory.newSlot();
    CompletableFuture<StoredValue> raced = borrowedFetches.putIfAbsent(ref.objectId(), fetch);
    if (raced != null) {
      return raced;
    }
    borrows
        .fetchAsync(ref.objectId(), ref.owner())
        .whenComplete(
            (value, error) -> {
              if (value != null) {
                cacheBorrowed(ref.objectId(), value);
              }
              borrowedFetches.remove(ref.objectId(), fetch);
              if (value != null) {
                fetch.complete(value);
              } else {
                fetch.completeExceptionally(error);
              }
            });
    return fetch;
  }

  /** Background fetches of borrowed objects in flight, shared by concurrent waits. */
  private final ConcurrentHashMap<ObjectId, CompletableFuture<StoredValue>> borrowedFetches =
      new ConcurrentHashMap<>();

  /** Asks an object's owner for it: waits (long-polling) until it is ready or the deadline. */
  StoredValue fetchFromOwner(
      ObjectId id, Address owner, long deadline, Duration timeout, boolean cache) {
    StoredValue value = borrows.fetch(id, owner, deadline, timeout);
    if (cache) {
      cacheBorrowed(id, value);
    }
    return value;
  }

  /**
   * Keeps a small borrowed value (objects are immutable) for later gets while this process still
   * holds refs to it; the cache entry goes with the last ref.
   */
  private void cacheBorrowed(ObjectId id, StoredValue value) {
    if (value.isInline() && !value.isError() && references.isTracked(id)) {
      memory.slot(id).complete(value);
    }
  }

  private Object materialize(ObjectId id, StoredValue value, long deadline) {
    if (value.isError()) {
      TaskError error = codec.decodeError(value.inline());
      Throwable cause = codec.decodeException(error.exception());
      throw error.toException(cause);
    }
    if (value.isInline()) {
      return codec.decode(value.inline());
    }
    if (host.nodeId().equals(value.nodeId())) {
      return codec.readFromStore(store, id, value.format(), remaining(deadline));
    }
    // It lives on another node: the node manager pulls a secondary copy into this node's store,
    // which the store may evict again before it is read (then it is pulled again).
    for (int attempt = 1; ; attempt++) {
      remote.fetch(
          id,
          value.nodeId(),
          deadline,
          deadline == Long.MAX_VALUE
              ? null
              : Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      try {
        return codec.readFromStore(store, id, value.format(), remaining(deadline));
      } catch (ObjectNotFoundException evicted) {
        if (attempt >= 3) {
          throw new ObjectLostException(
              "object "
                  + id
                  + " was copied from node "
                  + value.nodeId()
                  + " to node "
                  + host.nodeId()
                  + " "
                  + attempt
                  + " times and evicted each time before it could be read; the store is too full",
              evicted);
        }
      }
    }
  }

  private boolean owns(ObjectRefImpl<?> ref) {
    return ref.owner().getWorkerId().equals(host.workerId());
  }

  private Duration remaining(long deadline) {
    return deadline == Long.MAX_VALUE
        ? store.defaultTimeout()
        : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
