package dev.prism;

/**
 * The worker process running a task died (exited, halted or was killed) more times than the task's
 * retries allow.
 */
public class WorkerCrashedException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public WorkerCrashedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public WorkerCrashedException(String message, Throwable cause) {
    super(message, cause);
  }
}
