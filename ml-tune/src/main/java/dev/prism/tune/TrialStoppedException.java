package dev.prism.tune;

/**
 * Thrown by {@link TuneContext#report} in a trial the tuner has ended (early stopping, a pause, a
 * stop criterion, the end of the sweep). A trainable lets it propagate; catching it does not keep
 * the trial alive, its reports are ignored from then on.
 */
public final class TrialStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception naming the trial.
   *
   * @param trialId the trial
   */
  public TrialStoppedException(String trialId) {
    super("trial " + trialId + " was stopped by the tuner");
  }
}
