package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.store.ObjectId;
import java.util.ArrayList;
import java.util.List;

/**
 * What a call gives its caller: one result, {@code count} results (the elements of the list or
 * array the method returns), or a streaming generator of values.
 *
 * @param count how many results (1 for one; ignored when streaming)
 * @param streaming whether the values stream to a generator
 * @param backpressure a streaming generator's bound on values produced but not consumed (-1: none)
 */
public record Returns(int count, boolean streaming, int backpressure) {

  /** One result: a plain call. */
  public static final Returns ONE = new Returns(1, false, -1);

  /**
   * Several results.
   *
   * @param count 2 or more
   * @return the returns
   */
  public static Returns multiple(int count) {
    return new Returns(count, false, -1);
  }

  /**
   * A streaming generator.
   *
   * @param backpressure -1, or 1 or more
   * @return the returns
   */
  public static Returns streaming(int backpressure) {
    return new Returns(1, true, backpressure);
  }

  /** Writes itself into a call's spec. */
  void applyTo(TaskSpec.Builder spec) {
    if (streaming) {
      spec.setStreaming(true).setGeneratorBackpressure(Math.max(backpressure, 0));
    } else if (count > 1) {
      spec.setNumReturns(count);
    }
  }

  /**
   * Makes the caller's side of a submitted call: its refs (and their slots in the object table), or
   * its generator.
   *
   * @return the ref, the list of refs, or the generator
   */
  Object outputs(PendingTask task, StreamingGenerator.Host host) {
    ObjectRefImpl<?> first = host.newOwnedRef(task.returnId);
    host.slot(task.returnId);
    if (streaming) {
      StreamingGenerator<?> generator =
          new StreamingGenerator<>(host, task.returnId, task.spec.getTaskId(), first, backpressure);
      task.generator = generator;
      return generator;
    }
    if (count <= 1) {
      return first;
    }
    task.numReturns = count;
    List<ObjectRefImpl<?>> refs = new ArrayList<>(count);
    refs.add(first);
    for (int i = 1; i < count; i++) {
      ObjectId id = returnId(task.returnId, i);
      refs.add(host.newOwnedRef(id));
      host.slot(id);
    }
    return refs;
  }

  /** The id of result {@code i} (0-based) of a call whose first result is {@code first}. */
  static ObjectId returnId(ObjectId first, int i) {
    return new ObjectId(first.high(), first.mid(), first.low() + i);
  }
}
