package dev.prism.runtime.worker;

import dev.prism.ActorDiedException;
import dev.prism.ObjectLostException;
import dev.prism.PrismException;
import dev.prism.TaskCancelledException;
import dev.prism.TaskException;
import dev.prism.WorkerCrashedException;

/**
 * Why an object holds an error instead of a value: what a failed task leaves in its return object.
 * Travels serialized (format ERROR); {@code get} rethrows it as the matching {@link
 * PrismException}.
 *
 * @param kind what kind of failure
 * @param taskName the task's display name
 * @param exceptionClass the class of the remote exception (application errors)
 * @param message the failure's message
 * @param remoteStackTrace the remote stack trace, as text
 * @param exception the remote exception itself, serialized, or null if it could not be
 */
record TaskError(
    Kind kind,
    String taskName,
    String exceptionClass,
    String message,
    String remoteStackTrace,
    byte[] exception) {

  enum Kind {
    APPLICATION,
    WORKER_CRASHED,
    CANCELLED,
    OBJECT_LOST,
    /** The task could not run at all (e.g. its class is missing on the worker). */
    SYSTEM,
    /** The actor the call was made to is dead, or died while running it. */
    ACTOR_DIED,
    /** The task's job or runtime environment cannot be set up on any node. */
    RUNTIME_ENV
  }

  static TaskError system(Kind kind, String taskName, String message) {
    return new TaskError(kind, taskName, null, message, null, null);
  }

  /** Builds the exception that {@code get} throws, with the remote exception as cause. */
  PrismException toException(Throwable remoteCause) {
    return switch (kind) {
      case APPLICATION ->
          new TaskException(
              taskName
                  + " failed with "
                  + exceptionClass
                  + (message == null ? "" : ": " + message)
                  + "\nRemote stack trace:\n"
                  + remoteStackTrace,
              remoteCause);
      case WORKER_CRASHED -> new WorkerCrashedException(taskName + ": " + message);
      case CANCELLED -> new TaskCancelledException(taskName + ": " + message);
      case OBJECT_LOST -> new ObjectLostException(taskName + ": " + message);
      case SYSTEM -> new PrismException(taskName + " could not run: " + message);
      case ACTOR_DIED -> new ActorDiedException(taskName + ": " + message, remoteCause);
      case RUNTIME_ENV ->
          new dev.prism.RuntimeEnvSetupException(taskName + " could not run: " + message);
    };
  }
}
