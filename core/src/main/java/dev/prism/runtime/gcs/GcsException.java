package dev.prism.runtime.gcs;

import dev.prism.PrismException;

/** A call to the GCS failed, or the GCS could not be started. */
public class GcsException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and what to do
   */
  public GcsException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and what to do
   * @param cause the underlying error
   */
  public GcsException(String message, Throwable cause) {
    super(message, cause);
  }
}
