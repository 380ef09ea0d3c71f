package dev.prism.store;

/**
 * The object exists but is still being created: the operation needs a sealed object (for example
 * delete of an object another client is still writing).
 */
public class ObjectNotSealedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public ObjectNotSealedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public ObjectNotSealedException(String message, Throwable cause) {
    super(message, cause);
  }
}
