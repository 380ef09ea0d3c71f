package dev.prism.store;

/**
 * An object with this id already exists in the store (created or sealed). Ids are unique: use a
 * fresh {@link ObjectId}, or delete the old object first.
 */
public class ObjectExistsException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public ObjectExistsException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public ObjectExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
