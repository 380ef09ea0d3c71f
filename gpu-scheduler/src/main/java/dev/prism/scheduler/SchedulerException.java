package dev.prism.scheduler;

/**
 * Root of the scheduler's unchecked exception hierarchy. Every exception thrown by this library for
 * a caller mistake extends this class; its message names the offending value and says what to do
 * instead.
 */
public class SchedulerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong and what to do
   */
  public SchedulerException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong and what to do
   * @param cause the underlying failure
   */
  public SchedulerException(String message, Throwable cause) {
    super(message, cause);
  }
}
