package dev.prism.examples;

import dev.prism.ActorHandle;
import dev.prism.Prism;
import java.time.Duration;
import java.util.List;

/** The seed's actor programs: a counter, a handle passed to a task, a GPU actor. */
public final class Actors {

  private Actors() {}

  /** The seed's Counter: state that lives in its own worker process between calls. */
  public static final class Counter {
    private int value;

    /** Starts at 0. */
    public Counter() {}

    /**
     * Adds one.
     *
     * @return the new value
     */
    public int inc() {
      return ++value;
    }
  }

  /** An actor that holds a GPU and reports which one its process was given. */
  public static final class GpuWorker {
    /** Holds nothing else. */
    public GpuWorker() {}

    /**
     * The GPU ids of this actor's process and its {@code CUDA_VISIBLE_DEVICES}.
     *
     * @return them, as text
     */
    public String devices() {
      List<Integer> ids = Prism.runtimeContext().gpuIds();
      return "GPU ids " + ids + ", CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES");
    }
  }

  /**
   * A task that uses an actor through a handle it was given.
   *
   * @param counter the actor
   * @param times how many increments
   * @return the counter's value after them
   */
  static int incrementMany(ActorHandle<Counter> counter, int times) {
    int last = 0;
    for (int i = 0; i < times; i++) {
      last = Prism.get(counter.task(Counter::inc).remote(), Duration.ofMinutes(1));
    }
    return last;
  }
}
