package dev.prism.collective;

import dev.prism.PrismException;

/**
 * A collective operation failed: a peer died or left, the ranks called different operations, or the
 * operation ran past the communicator's timeout. The communicator is unusable afterwards; form a
 * new group.
 */
public class CollectiveException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and why
   */
  public CollectiveException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed and why
   * @param cause the underlying failure
   */
  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
