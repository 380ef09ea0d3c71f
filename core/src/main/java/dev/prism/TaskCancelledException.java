package dev.prism;

/** The task was cancelled with {@link Prism#cancel(ObjectRef)} before it finished. */
public class TaskCancelledException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which task was cancelled
   */
  public TaskCancelledException(String message) {
    super(message);
  }
}
