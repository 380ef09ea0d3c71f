package dev.prism.serve;

/**
 * A request did not finish within its timeout (over HTTP a 408). It may still be running on its
 * replica.
 */
public final class RequestTimeoutException extends ServeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which request and its timeout
   */
  public RequestTimeoutException(String message) {
    super(message);
  }
}
