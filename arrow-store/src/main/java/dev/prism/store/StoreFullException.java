package dev.prism.store;

/**
 * The store has no room for the requested object even after evicting every unpinned secondary copy
 * and spilling every unpinned primary copy, and no space was freed within the timeout. Release
 * pinned objects, delete objects, or give the store more capacity.
 */
public class StoreFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public StoreFullException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
