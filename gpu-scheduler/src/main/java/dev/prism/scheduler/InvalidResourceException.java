package dev.prism.scheduler;

/**
 * Thrown when a resource amount, name, request or node specification is invalid: negative, NaN or
 * infinite amounts, fractional amounts above 1 of a unit resource, GPU memory without a GPU, and
 * similar. The message names the resource and the bad value.
 */
public final class InvalidResourceException extends SchedulerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is invalid and what to do
   */
  public InvalidResourceException(String message) {
    super(message);
  }
}
