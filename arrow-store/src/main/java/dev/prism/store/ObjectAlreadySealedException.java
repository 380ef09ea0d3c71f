package dev.prism.store;

/**
 * The object is already sealed and therefore immutable: it cannot be sealed, aborted or written
 * again.
 */
public class ObjectAlreadySealedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public ObjectAlreadySealedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public ObjectAlreadySealedException(String message, Throwable cause) {
    super(message, cause);
  }
}
