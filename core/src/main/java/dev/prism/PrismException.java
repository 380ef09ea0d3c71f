package dev.prism;

/** The root of every error Prism throws. All Prism errors are unchecked. */
public class PrismException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public PrismException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public PrismException(String message, Throwable cause) {
    super(message, cause);
  }
}
