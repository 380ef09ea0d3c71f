package dev.prism.runtime.security;

import dev.prism.PrismException;

/**
 * A cluster token cannot be found, read or written, or is malformed. The message names the file or
 * variable and what to do.
 */
public final class SecurityConfigException extends PrismException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and what to do
   */
  public SecurityConfigException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong and what to do
   * @param cause the cause
   */
  public SecurityConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
