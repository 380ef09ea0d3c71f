package dev.prism.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dynamic batching inside a replica (Ray Serve's {@code @serve.batch}): single requests {@link
 * #submit}ted from many concurrent calls are gathered into one list, up to {@code maxBatchSize}
 * items or until {@code maxWait} has passed since the first of them arrived, and handed to the
 * batch function in one call; each caller gets its own element of the result. Both bounds can be
 * changed while it runs (from {@link Reconfigurable#reconfigure}, say).
 *
 * <pre>{@code
 * public class Model implements HttpHandler {
 *   private final Batcher<float[], Integer> batcher = new Batcher<>(this::predictAll, 10, Duration.ofMillis(10));
 *   public Object handle(HttpRequest r) { return batcher.submit(r.json(float[].class)); }
 *   List<Integer> predictAll(List<float[]> xs) { ... one forward pass ... }
 * }
 * }</pre>
 *
 * <p>Give the deployment {@code maxOngoingRequests} at least {@code maxBatchSize}, or batches can
 * never fill.
 *
 * @param <I> one request's input
 * @param <O> one request's output
 */
public final class Batcher<I, O> implements AutoCloseable {

  /** Ray Serve's default largest batch. */
  public static final int DEFAULT_MAX_BATCH_SIZE = 10;

  /** Ray Serve's default wait for a batch to fill. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(10);

  /**
   * Handles one batch.
   *
   * @param <I> input
   * @param <O> output
   */
  @FunctionalInterface
  public interface BatchFunction<I, O> {
    /**
     * Handles a batch.
     *
     * @param inputs the inputs, in arrival order
     * @return one output per input, in the same order
     * @throws Exception to fail every request of the batch
     */
    List<O> apply(List<I> inputs) throws Exception;
  }

  private final BatchFunction<I, O> function;
  private final LinkedBlockingQueue<Item<I, O>> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong items = new AtomicLong();
  private volatile int maxBatchSize;
  private volatile long maxWaitNanos;
  private volatile boolean closed;

  /**
   * Creates a batcher with Ray's defaults (10 items, 10 ms).
   *
   * @param function the batch function
   */
  public Batcher(BatchFunction<I, O> function) {
    this(function, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_WAIT);
  }

  /**
   * Creates a batcher.
   *
   * @param function the batch function
   * @param maxBatchSize the largest batch, 1 or more
   * @param maxWait how long a batch may wait to fill after its first item, 0 or more
   */
  public Batcher(BatchFunction<I, O> function, int maxBatchSize, Duration maxWait) {
    this.function = Objects.requireNonNull(function, "function");
    setMaxBatchSize(maxBatchSize);
    setMaxWait(maxWait);
    this.worker = Thread.ofPlatform().daemon().name("prism-serve-batcher").start(this::run);
  }

  /**
   * Adds one request to the next batch.
   *
   * @param input its input
   * @return its output, once its batch ran
   */
  public CompletableFuture<O> submit(I input) {
    CompletableFuture<O> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new ServeException("the batcher is closed"));
      return f;
    }
    Item<I, O> item = new Item<>(input, f);
    queue.add(item);
    if (closed && queue.remove(item)) {
      // close() ran between the check and the add, and has drained the queue already.
      f.completeExceptionally(new ServeException("the batcher is closed"));
    }
    return f;
  }

  /**
   * Changes the largest batch.
   *
   * @param size 1 or more
   */
  public void setMaxBatchSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("maxBatchSize is " + size + "; it must be >= 1");
    }
    this.maxBatchSize = size;
  }

  /**
   * Changes how long a batch may wait to fill.
   *
   * @param wait 0 or more
   */
  public void setMaxWait(Duration wait) {
    if (Objects.requireNonNull(wait, "maxWait").isNegative()) {
      throw new IllegalArgumentException("maxWait " + wait + " is negative");
    }
    this.maxWaitNanos = wait.toNanos();
  }

  /**
   * The largest batch now.
   *
   * @return it
   */
  public int maxBatchSize() {
    return maxBatchSize;
  }

  /**
   * The wait now.
   *
   * @return it
   */
  public Duration maxWait() {
    return Duration.ofNanos(maxWaitNanos);
  }

  /**
   * Batches run so far.
   *
   * @return the count
   */
  public long batches() {
    return batches.get();
  }

  /**
   * Items handled so far, over all batches.
   *
   * @return the count
   */
  public long items() {
    return items.get();
  }

  /** Stops the batcher; requests still queued fail. */
  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    Item<I, O> i;
    while ((i = queue.poll()) != null) {
      i.out.completeExceptionally(new ServeException("the batcher is closed"));
    }
  }

  private void run() {
    List<Item<I, O>> batch = new ArrayList<>();
    while (!closed) {
      try {
        batch.add(queue.take());
        long deadline = System.nanoTime() + maxWaitNanos;
        int max = maxBatchSize;
        while (batch.size() < max) {
          long left = deadline - System.nanoTime();
          Item<I, O> next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
        }
      } catch (InterruptedException e) {
        batch.forEach(
            i -> i.out.completeExceptionally(new ServeException("the batcher is closed")));
        return;
      }
      runBatch(batch);
      batch = new ArrayList<>();
    }
  }

  private void runBatch(List<Item<I, O>> batch) {
    List<I> inputs = new ArrayList<>(batch.size());
    for (Item<I, O> i : batch) {
      inputs.add(i.in);
    }
    batches.incrementAndGet();
    items.addAndGet(batch.size());
    try {
      List<O> outputs = function.apply(inputs);
      if (outputs == null || outputs.size() != batch.size()) {
        throw new ServeException(
            "the batch function returned "
                + (outputs == null ? "null" : outputs.size() + " outputs")
                + " for "
                + batch.size()
                + " inputs; it must return one output per input");
      }
      for (int k = 0; k < batch.size(); k++) {
        batch.get(k).out.complete(outputs.get(k));
      }
    } catch (Exception e) {
      for (Item<I, O> i : batch) {
        i.out.completeExceptionally(e);
      }
    } catch (Error e) {
      // An Error (a native library's UnsatisfiedLinkError, an OutOfMemoryError) fails this batch
      // only: rethrown, it would end the batcher's thread and leave every later request waiting.
      for (Item<I, O> i : batch) {
        i.out.completeExceptionally(e);
      }
    }
  }

  private record Item<I, O>(I in, CompletableFuture<O> out) {}
}
