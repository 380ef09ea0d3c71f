package dev.prism.store;

/**
 * Base of every error the object store reports. Unchecked; the message names the bad value and what
 * to do about it. Subclasses tell the cases apart.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public StoreException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
