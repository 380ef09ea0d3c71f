package dev.prism;

/**
 * An object's every copy is gone and it cannot be rebuilt (a {@code put} object, or a task whose
 * lineage is unavailable).
 */
public class ObjectLostException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public ObjectLostException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public ObjectLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
