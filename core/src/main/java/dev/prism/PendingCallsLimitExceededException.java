package dev.prism;

/**
 * A call to an actor was refused because this process already has the actor's maximum of calls
 * pending (see {@link ActorCreator#setMaxPendingCalls(int)}): wait for some results before
 * submitting more.
 */
public class PendingCallsLimitExceededException extends PrismException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was refused and the limit
   */
  public PendingCallsLimitExceededException(String message) {
    super(message);
  }
}
