package dev.prism.runtime.node;

/**
 * Learns about worker processes of a node manager: registration, start failures and deaths.
 * Callbacks run on node-manager threads outside its locks; keep them short.
 */
public interface WorkerListener {

  /**
   * A worker registered and joined the pool.
   *
   * @param worker the worker
   */
  default void workerRegistered(WorkerInfo worker) {}

  /**
   * A worker failed to start: its process could not be launched, exited before registering, or did
   * not register within the start timeout (and was killed).
   *
   * @param worker the worker as it was
   * @param reason what happened, with the last lines of its output when there were any
   */
  default void workerStartFailed(WorkerInfo worker, String reason) {}

  /**
   * A registered worker's process exited. The resources of its lease, if it had one, are already
   * free.
   *
   * @param worker the worker as it was just before (state {@code LEASED} when it died holding a
   *     lease, {@code STOPPING} when the node manager stopped it)
   * @param exitCode the process exit code (137 after {@code kill -9})
   */
  default void workerDied(WorkerInfo worker, int exitCode) {}
}
