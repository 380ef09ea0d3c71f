package dev.prism.tune;

/** Where a trial is in its life. */
public enum TrialStatus {
  /** Created, never started. */
  PENDING,
  /** Running on a runner. */
  RUNNING,
  /** Stopped by the scheduler until it is chosen again; resumes from its latest checkpoint. */
  PAUSED,
  /** Ended: its trainable returned, or the scheduler or a stop criterion ended it. */
  TERMINATED,
  /** Ended with an error after its retries. */
  ERROR;

  /**
   * Whether the trial has ended.
   *
   * @return true for TERMINATED and ERROR
   */
  public boolean isFinished() {
    return this == TERMINATED || this == ERROR;
  }
}
