package dev.prism;

/** A {@code get} or {@code wait} did not complete within its timeout. */
public class GetTimeoutException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public GetTimeoutException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public GetTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
