package dev.prism;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The values of a streaming task or actor call, as refs, in the order they are produced (Ray's
 * {@code ObjectRefGenerator}). Made by {@link TaskCaller#remoteGenerator()} or {@link
 * ActorTaskCaller#remoteGenerator()} for a method that returns an {@link Iterator}, {@link
 * Iterable} or {@link java.util.stream.Stream}: the method runs remotely, and each value it yields
 * is stored and its ref handed to this generator at once, while the method goes on producing.
 *
 * <p>{@link #next()} waits for the next value. If the method throws after producing some values,
 * those come first, then one ref whose {@link ObjectRef#get()} throws the error, then the end. A
 * generator whose worker dies is run again when it has retries left ({@link
 * TaskCaller#setMaxRetries(int)}); values this generator already received are not handed out twice
 * (the method must produce the same values in the same order, as any retried task must). Without
 * retries, the values produced before the crash come first, then a ref whose {@code get} throws
 * {@link WorkerCrashedException}.
 *
 * <p>With {@link TaskCaller#setGeneratorBackpressure(int)}, the producer pauses while that many
 * values are produced but not yet taken by {@link #next()}. {@link #close()} cancels a producer
 * that still runs and releases the values not taken. The generator belongs to the process that made
 * the call: pass the refs it yields to other tasks, not the generator. Not thread-safe: one
 * consumer at a time.
 *
 * @param <T> the type of the values
 */
public interface ObjectRefGenerator<T> extends Iterator<ObjectRef<T>>, AutoCloseable {

  /**
   * Waits until the next value is produced or the method ended.
   *
   * @return true when {@link #next()} has a ref to give
   * @throws PrismException if the waiting thread is interrupted
   */
  @Override
  boolean hasNext();

  /**
   * Waits for the next value and returns its ref (ready: its value is stored).
   *
   * @return the next value's ref
   * @throws NoSuchElementException after the last value (or after the ref of an error)
   */
  @Override
  ObjectRef<T> next();

  /**
   * Waits at most {@code timeout} for the next value.
   *
   * @param timeout how long to wait
   * @return the next value's ref
   * @throws GetTimeoutException if no value came within the timeout (the generator stays usable)
   * @throws NoSuchElementException after the last value
   * @throws IllegalArgumentException if the timeout is negative
   */
  ObjectRef<T> next(Duration timeout);

  /**
   * How many values were handed out by {@link #next()} so far.
   *
   * @return the count
   */
  long consumed();

  /**
   * Cancels the producer if it still runs and releases the values not yet taken; {@link #hasNext()}
   * is false from then on. Idempotent. Refs already taken stay valid.
   */
  @Override
  void close();

  /**
   * The remaining refs as a sequential stream; closing the stream closes this generator.
   *
   * @return the stream
   */
  default Stream<ObjectRef<T>> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }
}
