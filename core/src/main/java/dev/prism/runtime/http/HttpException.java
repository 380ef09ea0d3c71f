package dev.prism.runtime.http;

/**
 * Thrown by a {@link Handler} to answer with a status other than 500: the message becomes the
 * body's {@code error}, so it must say what was wrong and what to do.
 */
public final class HttpException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /**
   * Creates the exception.
   *
   * @param status the HTTP status, 400 to 599
   * @param message what was wrong
   */
  public HttpException(int status, String message) {
    super(message);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status " + status + " is not an error status");
    }
    this.status = status;
  }

  /**
   * Returns the status to answer with.
   *
   * @return the HTTP status
   */
  public int status() {
    return status;
  }
}
