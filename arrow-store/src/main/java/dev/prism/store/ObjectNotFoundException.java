package dev.prism.store;

/**
 * The object id is not in the store: it was never created, was deleted, or (for a secondary copy)
 * was evicted. Create it first, or fetch it again from a node that holds it.
 */
public class ObjectNotFoundException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public ObjectNotFoundException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public ObjectNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
