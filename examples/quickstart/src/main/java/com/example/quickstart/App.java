package com.example.quickstart;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A first Prism program: tasks in parallel, an object in the store passed by reference, and an
 * actor that keeps state. {@code Prism.init()} starts an embedded cluster in this JVM (workers are
 * child JVMs), or joins a started one when {@code PRISM_ADDRESS} is set.
 */
public final class App {

  private App() {}

  /** A task: any static method. Runs in a worker process. */
  static long sumOfSquares(long from, long to) {
    long sum = 0;
    for (long i = from; i < to; i++) {
      sum += i * i;
    }
    return sum;
  }

  /** A task that takes an object from the store (its ref is resolved to the value). */
  static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** An actor: any class. Its methods run one at a time in its own worker process. */
  public static final class Counter {
    private long total;

    /**
     * Adds to the total.
     *
     * @param n what to add
     * @return the new total
     */
    public long add(long n) {
      total += n;
      return total;
    }
  }

  /**
   * Sums the squares below {@code n} in four tasks that run at once.
   *
   * @param n the bound, a multiple of 4
   * @param timeout how long to wait for the tasks
   * @return the sum
   */
  public static long parallelSumOfSquares(long n, Duration timeout) {
    List<ObjectRef<Long>> parts = new ArrayList<>();
    long step = n / 4;
    for (int i = 0; i < 4; i++) {
      // Each call returns a future (ObjectRef) at once; the task runs in a worker process.
      parts.add(Prism.task(App::sumOfSquares, i * step, (i + 1) * step).remote());
    }
    long total = 0;
    for (long part : Prism.get(parts, timeout)) {
      total += part;
    }
    return total;
  }

  /**
   * Puts a large array in the shared-memory object store once and passes it to a task by
   * reference.
   *
   * @param values the values
   * @param timeout how long to wait for the task
   * @return their mean
   */
  public static double meanInTask(double[] values, Duration timeout) {
    ObjectRef<double[]> stored = Prism.put(values);
    return Prism.get(Prism.task(App::mean, stored).remote(), timeout);
  }

  /**
   * Adds 1..n to a counter actor, one call at a time, and reads its total.
   *
   * @param n how many calls
   * @param timeout how long to wait for the total
   * @return the actor's total
   */
  public static long countInActor(long n, Duration timeout) {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    for (long i = 1; i <= n; i++) {
      counter.task(Counter::add, i).remote(); // calls to one actor run in order
    }
    return Prism.get(counter.task(Counter::add, 0L).remote(), timeout);
  }

  /**
   * Runs the example and prints what each step gave.
   *
   * @param args none
   */
  public static void main(String[] args) {
    Prism.init();
    try {
      Duration timeout = Duration.ofSeconds(60);
      System.out.println(
          "sum of squares below 1,000,000: " + parallelSumOfSquares(1_000_000, timeout));
      double[] values = new double[1_000_000];
      for (int i = 0; i < values.length; i++) {
        values[i] = i % 100;
      }
      System.out.println("mean: " + meanInTask(values, timeout));
      System.out.println("counter: " + countInActor(10, timeout));
    } finally {
      Prism.shutdown();
    }
  }
}
