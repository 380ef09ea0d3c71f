package dev.prism.runtime.worker;

import dev.prism.GetTimeoutException;
import dev.prism.ObjectRef;
import dev.prism.ObjectRefGenerator;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.GeneratorAck;
import dev.prism.runtime.rpc.GeneratorItem;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.store.ObjectId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The caller's side of a streaming generator: the values' refs in the order the worker sent them,
 * each recorded in this process's object table when it arrives. Values of a retried run that this
 * generator already received are dropped (a new copy in another node's store is deleted). The
 * task's own result (the number of values, or the error that ended it) lives under its return id;
 * an error is handed out as the last ref.
 *
 * @param <T> the values' type
 */
final class StreamingGenerator<T> implements ObjectRefGenerator<T> {

  /** What the generator needs of its process. */
  interface Host {
    ObjectRefImpl<?> newOwnedRef(ObjectId id);

    CompletableFuture<StoredValue> slot(ObjectId id);

    CompletableFuture<StoredValue> find(ObjectId id);

    void recordResult(ObjectId id, StoredValue value);

    void discardReply(ObjectId id, StoredValue value);

    /** Cancels the running call that makes {@code returnId}. */
    void cancel(ObjectId returnId);

    /**
     * The calling thread starts to wait inside a task: its CPU is lent, as for a get.
     *
     * @return whether {@link #exitBlocking} must be called when the wait ends
     */
    boolean enterBlocking();

    /** The wait {@link #enterBlocking} reported ended. */
    void exitBlocking();
  }

  private final Host host;
  private final ObjectId returnId;
  private final com.google.protobuf.ByteString taskId;
  private final int backpressure;
  private final ArrayDeque<ObjectRefImpl<?>> ready = new ArrayDeque<>();

  /** The return id's ref: kept until the end, handed out when it holds an error. */
  private ObjectRefImpl<?> returnRef;

  private ObjectRefImpl<?> errorRef;
  private long received;

  /** Values counted in {@link #received} whose ref is not queued yet (see onItem). */
  private int accepting;

  private long consumed;
  private long acked;
  private boolean ended;
  private boolean closed;

  /** Where acks go: the stream the last value came on (the worker running the call now). */
  private Consumer<PushTaskRequest> ackSink;

  /** Guards the fields above. */
  private final java.util.concurrent.locks.ReentrantLock lock =
      new java.util.concurrent.locks.ReentrantLock();

  private final java.util.concurrent.locks.Condition changed = lock.newCondition();

  StreamingGenerator(
      Host host,
      ObjectId returnId,
      com.google.protobuf.ByteString taskId,
      ObjectRefImpl<?> returnRef,
      int backpressure) {
    this.host = host;
    this.returnId = returnId;
    this.taskId = taskId;
    this.returnRef = returnRef;
    this.backpressure = backpressure;
  }

  /** The id of the value at {@code index}: the ids after the return id. */
  static ObjectId itemId(ObjectId returnId, long index) {
    return new ObjectId(
        returnId.high(), returnId.mid(), Math.toIntExact(returnId.low() + 1 + index));
  }

  /** The most values one generator can send (ids count in the last 4 bytes of the id). */
  static final long MAX_VALUES = Integer.MAX_VALUE - 2L;

  /**
   * A value arrived from the worker, on {@code sink}'s stream (one gRPC thread at a time, in
   * order). The ref and its slot are made outside the lock, which is held only to count the value
   * and to queue it, so a consumer waiting for values gets the lock between arriving values.
   */
  void onItem(GeneratorItem item, Consumer<PushTaskRequest> sink) {
    long index = item.getIndex();
    StoredValue value = StoredValue.fromProto(item.getValue());
    ObjectId id = itemId(returnId, index);
    boolean accepted = false;
    long ackNow = -1;
    lock.lock();
    try {
      ackSink = sink;
      if (!closed && !ended && index == received) {
        received++;
        accepting++;
        accepted = true;
      } else if (backpressure > 0 && !closed) {
        // A value of a retried run already received (or sent after the end): the new run
        // counts it as unconsumed until told otherwise.
        ackNow = consumed;
      }
    } finally {
      lock.unlock();
    }
    if (accepted) {
      ObjectRefImpl<?> ref = host.newOwnedRef(id);
      host.slot(id);
      host.recordResult(id, value);
      lock.lock();
      try {
        accepting--;
        if (!closed) {
          ready.add(ref);
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      return;
    }
    if (!sameCopy(id, value)) {
      host.discardReply(id, value);
    }
    if (ackNow >= 0) {
      sink.accept(ack(ackNow));
    }
  }

  /**
   * Whether a repeated value is the very copy this process recorded (a retry on the same node
   * replaced the stored object under the same id): then it must not be deleted.
   */
  private boolean sameCopy(ObjectId id, StoredValue value) {
    if (value.isInline()) {
      return false;
    }
    CompletableFuture<StoredValue> slot = host.find(id);
    StoredValue kept = slot == null ? null : slot.getNow(null);
    return kept != null && java.util.Objects.equals(kept.nodeId(), value.nodeId());
  }

  /** The call ended: its result (the count, or the error) is recorded under the return id. */
  void onEnd(StoredValue value) {
    lock.lock();
    try {
      ended = true;
      if (value != null && value.isError() && !closed) {
        errorRef = returnRef;
      }
      returnRef = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean hasNext() {
    lock.lock();
    try {
      awaitValue(Long.MAX_VALUE);
      return !ready.isEmpty() || errorRef != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ObjectRef<T> next() {
    return take(Long.MAX_VALUE);
  }

  @Override
  public ObjectRef<T> next(Duration timeout) {
    if (timeout == null || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout is " + timeout + "; give 0 or more");
    }
    long nanos = timeout.toNanos();
    return take(nanos == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : nanos);
  }

  @SuppressWarnings("unchecked")
  private ObjectRef<T> take(long nanos) {
    ObjectRefImpl<?> ref;
    long ackNow = -1;
    Consumer<PushTaskRequest> sink;
    lock.lock();
    try {
      if (!awaitValue(nanos)) {
        throw new GetTimeoutException(
            "no value of the generator came within " + Duration.ofNanos(nanos));
      }
      ref = ready.poll();
      if (ref == null) {
        ref = errorRef;
        errorRef = null;
        if (ref == null) {
          throw new NoSuchElementException(
              closed ? "the generator was closed" : "the generator has no more values");
        }
      } else {
        consumed++;
        if (backpressure > 0 && consumed - acked >= Math.max(1, backpressure / 2)) {
          acked = consumed;
          ackNow = consumed;
        }
      }
      sink = ackSink;
    } finally {
      lock.unlock();
    }
    if (ackNow >= 0 && sink != null) {
      sink.accept(ack(ackNow));
    }
    return (ObjectRef<T>) ref;
  }

  /** Waits for a value or the end; false when {@code nanos} passed first. Holds the lock. */
  private boolean awaitValue(long nanos) {
    if (!mustWait()) {
      return true;
    }
    long deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + nanos;
    // A task that waits for values lends its CPU, as a get does: the producer may need it.
    boolean blocking = host.enterBlocking();
    try {
      while (mustWait()) {
        long left = deadline == Long.MAX_VALUE ? 0 : deadline - System.nanoTime();
        if (deadline != Long.MAX_VALUE && left <= 0) {
          return false;
        }
        try {
          if (deadline == Long.MAX_VALUE) {
            changed.await();
          } else {
            changed.awaitNanos(left);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new PrismException("interrupted while waiting for the generator's next value", e);
        }
      }
      return true;
    } finally {
      if (blocking) {
        host.exitBlocking();
      }
    }
  }

  /** Whether no value is queued yet and one may still come. Holds the lock. */
  private boolean mustWait() {
    return ready.isEmpty() && (!ended || accepting > 0) && !closed;
  }

  private PushTaskRequest ack(long count) {
    return PushTaskRequest.newBuilder()
        .setGeneratorAck(GeneratorAck.newBuilder().setTaskId(taskId).setConsumed(count))
        .build();
  }

  @Override
  public long consumed() {
    lock.lock();
    try {
      return consumed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    boolean running;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      running = !ended;
      ready.clear();
      errorRef = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (running) {
      host.cancel(returnId);
    }
  }

  @Override
  public String toString() {
    return "ObjectRefGenerator("
        + returnId
        + ", received "
        + received
        + ", consumed "
        + consumed
        + (ended ? ", ended" : "")
        + (closed ? ", closed" : "")
        + ")";
  }
}
