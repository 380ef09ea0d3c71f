package dev.prism.tune.schedulers;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trial does after a result.
 *
 * @param action go on, stop or pause
 * @param exploit for {@link Action#EXPLOIT}: the trial whose latest checkpoint this one restarts
 *     from, and the configuration it restarts with
 */
public record Decision(Action action, Optional<Exploit> exploit) {

  /** The actions. */
  public enum Action {
    /** The trial goes on. */
    CONTINUE,
    /** The trial stops for good (early stopping); it counts as terminated, not as failed. */
    STOP,
    /**
     * The trial stops now and waits; it resumes from its latest checkpoint when {@link
     * TrialScheduler#chooseTrialToRun} picks it.
     */
    PAUSE,
    /**
     * The trial restarts at once from another trial's latest checkpoint with a new configuration
     * (population-based training).
     */
    EXPLOIT
  }

  /**
   * The restart of an exploiting trial.
   *
   * @param donorTrialId the trial whose latest checkpoint is copied
   * @param newConfig the configuration the trial restarts with
   */
  public record Exploit(String donorTrialId, Map<String, Object> newConfig) {
    /**
     * Checks and copies.
     *
     * @param donorTrialId the donor
     * @param newConfig the new configuration
     */
    public Exploit {
      Objects.requireNonNull(donorTrialId, "donorTrialId");
      newConfig = Map.copyOf(newConfig);
    }
  }

  /** Go on. */
  public static final Decision CONTINUE = new Decision(Action.CONTINUE, Optional.empty());

  /** Stop for good. */
  public static final Decision STOP = new Decision(Action.STOP, Optional.empty());

  /** Pause until chosen again. */
  public static final Decision PAUSE = new Decision(Action.PAUSE, Optional.empty());

  /**
   * Checks the pair.
   *
   * @param action the action
   * @param exploit present exactly for {@link Action#EXPLOIT}
   */
  public Decision {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(exploit, "exploit");
    if ((action == Action.EXPLOIT) != exploit.isPresent()) {
      throw new IllegalArgumentException("an EXPLOIT decision, and only one, names a donor trial");
    }
  }

  /**
   * Restart from a donor's checkpoint with a new configuration.
   *
   * @param donorTrialId the donor
   * @param newConfig the new configuration
   * @return the decision
   */
  public static Decision exploit(String donorTrialId, Map<String, Object> newConfig) {
    return new Decision(Action.EXPLOIT, Optional.of(new Exploit(donorTrialId, newConfig)));
  }
}
