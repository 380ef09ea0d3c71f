package dev.prism;

/** A value could not be serialized or deserialized; the message names its type. */
public class PrismSerializationException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public PrismSerializationException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public PrismSerializationException(String message, Throwable cause) {
    super(message, cause);
  }
}
