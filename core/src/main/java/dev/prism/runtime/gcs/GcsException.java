package dev.prism.runtime.gcs;

import dev.prism.PrismException;
import io.grpc.Status;

/**
 * A call to the GCS failed, or the GCS could not be started. When a call failed, the gRPC status is
 * the cause, and {@link #statusCode()} tells refusals apart (for example {@link
 * Status.Code#ALREADY_EXISTS} for a taken actor name).
 */
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

  /**
   * Returns the gRPC status code of the failed call.
   *
   * @return the code, or {@link Status.Code#UNKNOWN} when this exception has no gRPC cause
   */
  public Status.Code statusCode() {
    return Status.fromThrowable(this).getCode();
  }

  /**
   * Tells whether the GCS refused because the thing exists already (an actor id or name taken).
   *
   * @return true for {@link Status.Code#ALREADY_EXISTS}
   */
  public boolean isAlreadyExists() {
    return statusCode() == Status.Code.ALREADY_EXISTS;
  }
}
