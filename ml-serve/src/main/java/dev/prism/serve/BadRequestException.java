package dev.prism.serve;

/**
 * The request itself is wrong (its body is not the JSON expected, a parameter is missing): over
 * HTTP the proxy answers 400 with this message. Throw it from a handler to answer 400.
 */
public class BadRequestException extends ServeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the request
   */
  public BadRequestException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what is wrong with the request
   * @param cause the cause
   */
  public BadRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
