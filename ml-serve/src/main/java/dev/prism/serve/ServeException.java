package dev.prism.serve;

import dev.prism.PrismException;

/**
 * A serving operation failed: a deployment could not start, a request could not be routed or
 * answered, the controller could not be reached. The message says what and, where it can, what to
 * do.
 */
public class ServeException extends PrismException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong
   */
  public ServeException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong
   * @param cause the cause
   */
  public ServeException(String message, Throwable cause) {
    super(message, cause);
  }
}
