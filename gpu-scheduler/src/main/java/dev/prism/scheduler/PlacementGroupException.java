package dev.prism.scheduler;

/**
 * Thrown when a placement-group step is driven out of order: committing a bundle that was never
 * prepared, preparing a bundle twice, allocating in a bundle that is not committed, and similar.
 */
public final class PlacementGroupException extends SchedulerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which bundle, which state, and what to do
   */
  public PlacementGroupException(String message) {
    super(message);
  }
}
