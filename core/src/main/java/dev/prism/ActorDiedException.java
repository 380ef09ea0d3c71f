package dev.prism;

/**
 * The actor a call was made on is dead (killed, out of restarts, or its process died) and the call
 * cannot run; the message says why.
 */
public class ActorDiedException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where it helps, what to do
   */
  public ActorDiedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and, where it helps, what to do
   * @param cause the underlying error
   */
  public ActorDiedException(String message, Throwable cause) {
    super(message, cause);
  }
}
