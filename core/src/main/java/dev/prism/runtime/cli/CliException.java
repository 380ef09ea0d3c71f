package dev.prism.runtime.cli;

import dev.prism.PrismException;

/**
 * A command that cannot run as asked: a bad option, a missing value, a port in use, no head
 * running. Its message is meant for the person at the terminal (what is wrong and what to do);
 * {@link #exitCode()} is what the process exits with.
 */
public final class CliException extends PrismException {

  /** The exit code of a usage error (bad or missing option). */
  public static final int USAGE = 2;

  /** The exit code of a command that was well formed but failed. */
  public static final int FAILURE = 1;

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /**
   * Creates the exception.
   *
   * @param exitCode {@link #USAGE} or {@link #FAILURE}
   * @param message what went wrong and what to do
   */
  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /**
   * Creates a usage error ({@link #USAGE}).
   *
   * @param message what is wrong with the command line and what to give instead
   * @return the exception
   */
  public static CliException usage(String message) {
    return new CliException(USAGE, message);
  }

  /**
   * Creates a failure ({@link #FAILURE}).
   *
   * @param message what failed and what to do
   * @return the exception
   */
  public static CliException failure(String message) {
    return new CliException(FAILURE, message);
  }

  /**
   * Returns the process exit code for this error.
   *
   * @return {@link #USAGE} or {@link #FAILURE}
   */
  public int exitCode() {
    return exitCode;
  }
}
