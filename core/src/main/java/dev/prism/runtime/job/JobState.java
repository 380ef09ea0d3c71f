package dev.prism.runtime.job;

/** Where a job is in its life. */
public enum JobState {
  /** Submitted; its driver is not running yet. */
  PENDING,
  /** Its driver runs. */
  RUNNING,
  /** Its driver exited with code 0. */
  SUCCEEDED,
  /** Its driver exited with another code, or could not be started. */
  FAILED,
  /** Stopped on request (its driver was killed). */
  STOPPED;

  /**
   * Whether the job has ended.
   *
   * @return true for SUCCEEDED, FAILED and STOPPED
   */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == STOPPED;
  }
}
