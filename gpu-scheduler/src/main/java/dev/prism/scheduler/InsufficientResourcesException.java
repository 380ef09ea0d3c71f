package dev.prism.scheduler;

/**
 * Thrown when resources are taken from a node or bundle that does not have them available now
 * (allocate, prepare). Use the {@code try...} variants, or schedule first, to avoid it.
 */
public final class InsufficientResourcesException extends SchedulerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was asked, where, and what was available
   */
  public InsufficientResourcesException(String message) {
    super(message);
  }
}
