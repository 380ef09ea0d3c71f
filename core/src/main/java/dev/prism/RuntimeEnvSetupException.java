package dev.prism;

/**
 * A task's or actor's {@link RuntimeEnv} could not be set up: a class path entry could not be read
 * or uploaded, the head does not have one of its jars, or the worker JVM exited at once with its
 * options (the JVM's own error is in the message). Not retried: fix the environment and submit
 * again. For an actor it is the cause of the {@link ActorDiedException} its calls throw.
 */
public class RuntimeEnvSetupException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what could not be set up and why
   */
  public RuntimeEnvSetupException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what could not be set up and why
   * @param cause the underlying error
   */
  public RuntimeEnvSetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
