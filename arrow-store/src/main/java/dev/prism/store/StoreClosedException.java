package dev.prism.store;

/**
 * The client or the server was closed, or the connection between them dropped; open a new client.
 */
public class StoreClosedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public StoreClosedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public StoreClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
