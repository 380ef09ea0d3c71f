package dev.prism.train;

import dev.prism.PrismException;

/** A training run cannot start: its workers cannot be placed, or its config does not fit. */
public class TrainingException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong and what to do
   */
  public TrainingException(String message) {
    super(message);
  }
}
