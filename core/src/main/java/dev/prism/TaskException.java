package dev.prism;

/**
 * A remote task or actor method threw. The remote exception is the {@link #getCause() cause}, and
 * the message carries the remote stack trace.
 */
public class TaskException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public TaskException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public TaskException(String message, Throwable cause) {
    super(message, cause);
  }
}
