package dev.prism.runtime.worker;

/**
 * When a worker forces a garbage collection so that the refs its code dropped are released (see
 * {@link CoreWorker#collectIdleBorrows}). An idle JVM does not collect on its own, but a forced
 * collection is a full one that stops every thread for tens of milliseconds, so it must not hit a
 * process that is busy on threads of its own (an actor serving HTTP, whose task queue looks empty):
 *
 * <ul>
 *   <li>nothing ran for a whole poll and no ref was made or received: collect, once per idle spell;
 *   <li>no task ran but refs keep coming (the process works on its own threads): collect only when
 *       the JVM has not collected, by itself or forced, for {@link #ACTIVE_QUIET_NANOS} (a busy
 *       process allocates, and its young collections release the refs it dropped);
 *   <li>a task ran or runs: never.
 * </ul>
 *
 * Not thread-safe: used by the executor's thread only.
 */
final class IdleCollection {

  /** How long a process making refs on its own threads may go without any collection. */
  static final long ACTIVE_QUIET_NANOS = 10_000_000_000L;

  /** The least time between two forced collections of a process that goes idle often. */
  static final long MIN_INTERVAL_NANOS = 2_000_000_000L;

  /** Forced collections take at most 1/COST_FACTOR of the time of a process that idles often. */
  static final long COST_FACTOR = 200;

  private long seenTasks = -1;
  private long seenRefs = -1;
  private long collectedTasks = -1;
  private long collectedRefs = -1;
  private long lastGcNanos;
  private long lastForcedNanos;
  private long lastForcedLengthNanos;
  private boolean forcedBefore;

  /** Records how long the forced collection this class asked for took. */
  void forcedCollectionTook(long nanos) {
    lastForcedLengthNanos = nanos;
  }

  /**
   * Called after each poll of the task queue that found nothing.
   *
   * @param tasksDone runs of work so far (grows with every task or call run)
   * @param lanesBusy whether a task runs now
   * @param refsCreated refs ever tracked by this process (grows with calls made on any thread)
   * @param gcRan whether the JVM collected (by itself or forced) since the previous call
   * @param now {@link System#nanoTime()}
   * @return whether to force a collection now
   */
  boolean afterIdlePoll(
      long tasksDone, boolean lanesBusy, long refsCreated, boolean gcRan, long now) {
    if (gcRan) {
      lastGcNanos = now;
    }
    boolean tasksQuiet = !lanesBusy && tasksDone == seenTasks;
    boolean refsQuiet = refsCreated == seenRefs;
    seenTasks = tasksDone;
    seenRefs = refsCreated;
    if (!tasksQuiet || (tasksDone == collectedTasks && refsCreated == collectedRefs)) {
      return false;
    }
    if (!refsQuiet && now - lastGcNanos < ACTIVE_QUIET_NANOS) {
      return false; // a forced collection shows here too, at the next call, as gcRan
    }
    long sinceForced = now - lastForcedNanos;
    if (forcedBefore
        && (sinceForced < MIN_INTERVAL_NANOS
            || sinceForced < COST_FACTOR * lastForcedLengthNanos)) {
      return false; // collect at a later poll of this spell, unless work comes first
    }
    collectedTasks = tasksDone;
    collectedRefs = refsCreated;
    lastForcedNanos = now;
    forcedBefore = true;
    return true;
  }
}
