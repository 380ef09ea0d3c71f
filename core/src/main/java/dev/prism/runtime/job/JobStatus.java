package dev.prism.runtime.job;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A snapshot of one job.
 *
 * @param submissionId the job's id ({@code job-<n>} unless the submitter chose one)
 * @param state where it is
 * @param mainClass the driver's main class
 * @param args the driver's arguments
 * @param jars the sha-256 hashes of its jars, in class path order
 * @param exitCode the driver's exit code once it exited
 * @param startTime when its driver started, if it did
 * @param endTime when it ended, if it did
 * @param message what happened (empty while running normally)
 * @param driverPid the driver's process id, or 0 when it has none
 */
public record JobStatus(
    String submissionId,
    JobState state,
    String mainClass,
    List<String> args,
    List<String> jars,
    OptionalInt exitCode,
    Optional<Instant> startTime,
    Optional<Instant> endTime,
    String message,
    long driverPid) {

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if a reference is null
   */
  public JobStatus {
    Objects.requireNonNull(submissionId, "submissionId");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(mainClass, "mainClass");
    args = List.copyOf(args);
    jars = List.copyOf(jars);
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(startTime, "startTime");
    Objects.requireNonNull(endTime, "endTime");
    Objects.requireNonNull(message, "message");
  }
}
