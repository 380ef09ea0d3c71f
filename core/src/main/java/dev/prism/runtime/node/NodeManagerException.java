package dev.prism.runtime.node;

import dev.prism.PrismException;

/** A node manager could not be configured, started or reached. */
public class NodeManagerException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and what to do
   */
  public NodeManagerException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and what to do
   * @param cause the underlying error
   */
  public NodeManagerException(String message, Throwable cause) {
    super(message, cause);
  }
}
