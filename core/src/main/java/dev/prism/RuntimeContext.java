package dev.prism;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the calling code runs: the job, node and worker, the GPUs it may use, and whether it is the
 * driver or an actor. Get it with {@link Prism#runtimeContext()}.
 *
 * @param jobId the job's id in hex
 * @param nodeId the node's id
 * @param nodeIp the address this process is reached at on its node's network (the node's IP, as
 *     other nodes see it); libraries that open sockets of their own advertise it
 * @param workerId this process's worker id in hex
 * @param gpuIds the GPU ids assigned to this worker (as in {@code CUDA_VISIBLE_DEVICES}); empty
 *     when it has none
 * @param isDriver whether this is the driver (the user's program) rather than a worker
 * @param actorId the id of the actor this worker hosts (as {@link ActorHandle#actorId()}), or empty
 *     when it hosts none
 */
public record RuntimeContext(
    String jobId,
    String nodeId,
    String nodeIp,
    String workerId,
    List<Integer> gpuIds,
    boolean isDriver,
    Optional<String> actorId) {

  /**
   * Copies the GPU list, so the context is immutable.
   *
   * @param jobId the job's id
   * @param nodeId the node's id
   * @param nodeIp the node's address
   * @param workerId the worker's id
   * @param gpuIds the GPU ids
   * @param isDriver whether this is the driver
   * @param actorId the hosted actor's id, or empty
   */
  public RuntimeContext {
    Objects.requireNonNull(nodeIp, "nodeIp");
    gpuIds = List.copyOf(Objects.requireNonNull(gpuIds, "gpuIds"));
    Objects.requireNonNull(actorId, "actorId");
  }

  /**
   * Whether this worker hosts an actor.
   *
   * @return true in an actor's process
   */
  public boolean isActor() {
    return actorId.isPresent();
  }
}
