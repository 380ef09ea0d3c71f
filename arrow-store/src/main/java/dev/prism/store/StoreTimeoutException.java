package dev.prism.store;

/**
 * An operation did not complete within its timeout (for example a get of an object that was not
 * sealed in time).
 */
public class StoreTimeoutException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public StoreTimeoutException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public StoreTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
