package dev.prism.serve;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pending result of a call through a {@link DeploymentHandle} (Ray Serve's {@code
 * DeploymentResponse}).
 *
 * @param <R> the result's type
 */
public final class DeploymentResponse<R> {

  private final CompletableFuture<R> future;

  DeploymentResponse(CompletableFuture<R> future) {
    this.future = future;
  }

  /**
   * Waits for the result.
   *
   * @return it
   * @throws dev.prism.TaskException when the method threw (the remote exception as its cause)
   * @throws BackPressureException when the deployment was at capacity
   * @throws RequestTimeoutException when the deployment's request timeout passed
   * @throws ServeException when the call could not be answered
   */
  public R result() {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while waiting for a deployment's answer", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  /**
   * Waits at most {@code timeout} for the result.
   *
   * @param timeout how long
   * @return it
   * @throws RequestTimeoutException when it is not there in time (the call goes on)
   */
  public R result(Duration timeout) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new RequestTimeoutException("no answer within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while waiting for a deployment's answer", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  /**
   * The result as a future, to compose without blocking.
   *
   * @return the future
   */
  public CompletableFuture<R> future() {
    return future;
  }

  /**
   * Stops waiting: {@link #result()} throws {@link CancellationException}. A request still queued
   * in the router is dropped; one already on a replica runs to its end there.
   *
   * @return whether it was not done yet
   */
  public boolean cancel() {
    return future.cancel(true);
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new ServeException("the call failed: " + t, t);
  }
}
