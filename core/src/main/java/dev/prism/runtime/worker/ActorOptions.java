package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.ConcurrencyGroupProto;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import java.util.List;

/**
 * How an actor is to be created, as its creator chose.
 *
 * @param resources what it holds for its life
 * @param name its name, or null
 * @param namespace the namespace of its name, or null for the job's
 * @param detached whether it outlives its creator
 * @param maxRestarts restarts after its process dies (-1: without limit)
 * @param maxTaskRetries runs again of a call that its process died running (-1: without limit)
 * @param maxConcurrency calls at once, or 0 to choose (1, or 1,000 for classes with async methods)
 * @param maxPendingCalls pending calls per caller process (-1: without limit)
 * @param strategy where its lease should go (default instance: the default policy)
 * @param runtimeEnv the environment of its worker, resolved (default instance: the node's)
 * @param concurrencyGroups its named concurrency groups, besides the default one
 */
public record ActorOptions(
    ResourceAmounts resources,
    String name,
    String namespace,
    boolean detached,
    int maxRestarts,
    int maxTaskRetries,
    int maxConcurrency,
    int maxPendingCalls,
    SchedulingStrategyProto strategy,
    dev.prism.runtime.rpc.RuntimeEnvProto runtimeEnv,
    List<ConcurrencyGroupProto> concurrencyGroups) {

  /**
   * Copies the groups.
   *
   * @param resources what it holds for its life
   * @param name its name, or null
   * @param namespace the namespace of its name, or null for the job's
   * @param detached whether it outlives its creator
   * @param maxRestarts restarts after its process dies
   * @param maxTaskRetries runs again of a call that its process died running
   * @param maxConcurrency calls at once, or 0 to choose
   * @param maxPendingCalls pending calls per caller process
   * @param strategy where its lease should go
   * @param runtimeEnv the environment of its worker
   * @param concurrencyGroups its named concurrency groups
   */
  public ActorOptions {
    concurrencyGroups = List.copyOf(concurrencyGroups);
  }

  /**
   * Options in the node's default runtime environment.
   *
   * @param resources what it holds for its life
   * @param name its name, or null
   * @param namespace the namespace of its name, or null
   * @param detached whether it outlives its creator
   * @param maxRestarts restarts after its process dies
   * @param maxTaskRetries runs again of a call its process died running
   * @param maxConcurrency calls at once, or 0 to choose
   * @param maxPendingCalls pending calls per caller process
   * @param strategy where its lease should go
   */
  public ActorOptions(
      ResourceAmounts resources,
      String name,
      String namespace,
      boolean detached,
      int maxRestarts,
      int maxTaskRetries,
      int maxConcurrency,
      int maxPendingCalls,
      SchedulingStrategyProto strategy) {
    this(
        resources,
        name,
        namespace,
        detached,
        maxRestarts,
        maxTaskRetries,
        maxConcurrency,
        maxPendingCalls,
        strategy,
        dev.prism.runtime.rpc.RuntimeEnvProto.getDefaultInstance(),
        List.of());
  }
}
