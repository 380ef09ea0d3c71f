package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.GeneratorItem;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.store.ObjectId;
import java.lang.reflect.Array;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.BaseStream;

/**
 * The executing side of calls that do not return one value: a streaming generator's values are
 * stored and sent to the caller one by one as the method's iterator yields them (pausing at the
 * caller's backpressure bound until it acks), and a call with several results stores each element
 * of the list or array the method returned under its own id.
 */
final class ReturnWriter {

  /** A generator running here: how far its caller has consumed, for backpressure. */
  private static final class Run {
    private final int bound;
    private long acked;

    Run(int bound) {
      this.bound = bound;
    }

    synchronized void acked(long consumed) {
      if (consumed > acked) {
        acked = consumed;
        notifyAll();
      }
    }

    /**
     * Waits until the value at {@code index} may be produced, or the caller is gone; interruptible
     * (a cancel).
     */
    synchronized void awaitRoom(long index, java.util.function.BooleanSupplier gone)
        throws InterruptedException {
      while (bound > 0 && index - acked >= bound && !gone.getAsBoolean()) {
        wait(200); // acks wake it; a caller that went away is noticed within 200 ms
      }
    }
  }

  private final CoreWorker worker;
  private final ConcurrentHashMap<ByteString, Run> runs = new ConcurrentHashMap<>();

  ReturnWriter(CoreWorker worker) {
    this.worker = worker;
  }

  /** The caller consumed values of a generator running here (unknown ones are done). */
  void ack(dev.prism.runtime.rpc.GeneratorAck ack) {
    Run run = runs.get(ack.getTaskId());
    if (run != null) {
      run.acked(ack.getConsumed());
    }
  }

  /**
   * Sends the values of the generator {@code result} to the caller through {@code send}, then
   * returns how many there were. Runs user code (the iterator): call it inside the task.
   *
   * @param cancelled tells whether the call was cancelled (checked between values)
   * @param gone tells whether the caller's stream is gone (then nobody reads the values: stop)
   * @throws Exception what the iterator threw, or an interrupt while paused (a cancel)
   */
  long stream(
      TaskSpec spec,
      Object result,
      Consumer<PushTaskReply> send,
      java.util.function.BooleanSupplier cancelled,
      java.util.function.BooleanSupplier gone)
      throws Exception {
    Iterator<?> values = iterator(result);
    ObjectId returnId = ObjectId.of(spec.getReturnId().toByteArray());
    Run run = new Run(spec.getGeneratorBackpressure());
    runs.put(spec.getTaskId(), run);
    long index = 0;
    try {
      while (true) {
        run.awaitRoom(index, gone);
        if (cancelled.getAsBoolean()) {
          throw new InterruptedException("the generator was cancelled");
        }
        if (gone.getAsBoolean()) {
          throw new IllegalStateException("the caller's stream is gone: nobody reads the values");
        }
        if (!values.hasNext()) {
          return index;
        }
        Object value = values.next();
        if (index >= StreamingGenerator.MAX_VALUES) {
          throw new IllegalStateException(
              "a generator can send at most " + StreamingGenerator.MAX_VALUES + " values");
        }
        ReturnObject stored =
            worker.storeReturn(StreamingGenerator.itemId(returnId, index), value, spec.getCaller());
        send.accept(
            PushTaskReply.newBuilder()
                .setTaskId(spec.getTaskId())
                .setGeneratorItem(GeneratorItem.newBuilder().setIndex(index).setValue(stored))
                .build());
        index++;
      }
    } finally {
      runs.remove(spec.getTaskId(), run);
      if (result instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }

  private static Iterator<?> iterator(Object result) {
    if (result instanceof Iterator<?> it) {
      return it;
    }
    if (result instanceof Iterable<?> iterable) {
      return iterable.iterator();
    }
    if (result instanceof BaseStream<?, ?> stream) {
      return stream.iterator();
    }
    throw new IllegalStateException(
        "a streaming call's method must return an Iterator, an Iterable or a Stream, but it"
            + " returned "
            + (result == null ? "null" : result.getClass().getName()));
  }

  /**
   * Stores the elements of a call's list or array result, one object each; the first is the reply's
   * result, the others its more_results.
   *
   * @throws IllegalStateException if the result is not a list or array of the declared count
   */
  PushTaskReply.Builder storeMany(TaskSpec spec, Object result) {
    List<?> elements = elements(result, spec.getNumReturns());
    ObjectId first = ObjectId.of(spec.getReturnId().toByteArray());
    PushTaskReply.Builder reply = PushTaskReply.newBuilder().setTaskId(spec.getTaskId());
    for (int i = 0; i < elements.size(); i++) {
      ReturnObject stored =
          worker.storeReturn(Returns.returnId(first, i), elements.get(i), spec.getCaller());
      if (i == 0) {
        reply.setResult(stored);
      } else {
        reply.addMoreResults(stored);
      }
    }
    return reply;
  }

  private static List<?> elements(Object result, int count) {
    List<?> elements;
    if (result instanceof List<?> list) {
      elements = list;
    } else if (result != null && result.getClass().isArray()) {
      int n = Array.getLength(result);
      Object[] boxed = new Object[n];
      for (int i = 0; i < n; i++) {
        boxed[i] = Array.get(result, i);
      }
      elements = java.util.Arrays.asList(boxed);
    } else {
      throw new IllegalStateException(
          "the call declared "
              + count
              + " returns, so its method must return a List or an array of "
              + count
              + " elements, but it returned "
              + (result == null ? "null" : result.getClass().getName()));
    }
    if (elements.size() != count) {
      throw new IllegalStateException(
          "the call declared "
              + count
              + " returns, but its method returned "
              + elements.size()
              + " elements");
    }
    return elements;
  }
}
