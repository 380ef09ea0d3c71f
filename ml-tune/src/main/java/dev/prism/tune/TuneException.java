package dev.prism.tune;

/** A sweep cannot run: bad settings, trials that can never be placed, unreadable saved state. */
public final class TuneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message saying what is wrong.
   *
   * @param message the message
   */
  public TuneException(String message) {
    super(message);
  }

  /**
   * An exception with a message and its cause.
   *
   * @param message the message
   * @param cause the cause
   */
  public TuneException(String message, Throwable cause) {
    super(message, cause);
  }
}
