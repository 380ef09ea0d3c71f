package dev.prism.runtime.job;

/** A job operation that cannot be done; its message says why and what to do. */
public final class JobException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What kind of failure it is (the gRPC service maps it to a status code). */
  public enum Kind {
    /** An unknown job or file. */
    NOT_FOUND,
    /** A malformed request (bad hash, bad id, bytes that do not match their hash). */
    INVALID,
    /** An upload over the size limit. */
    TOO_LARGE,
    /** The head cannot do it (an I/O error, shutting down). */
    FAILED
  }

  private final Kind kind;

  /**
   * Creates one.
   *
   * @param kind what kind of failure
   * @param message why, and what to do
   */
  public JobException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /**
   * Creates one with a cause.
   *
   * @param kind what kind of failure
   * @param message why, and what to do
   * @param cause the cause
   */
  public JobException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /**
   * Returns the kind.
   *
   * @return what kind of failure it is
   */
  public Kind kind() {
    return kind;
  }
}
