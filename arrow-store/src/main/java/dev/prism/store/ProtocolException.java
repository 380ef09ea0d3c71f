package dev.prism.store;

/**
 * The wire protocol between a client and the server was violated (garbage on the socket, an unknown
 * message, a truncated frame). The server drops such a connection and keeps serving the others.
 */
public class ProtocolException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   */
  public ProtocolException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the bad value and what to do about it
   * @param cause the underlying failure
   */
  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
