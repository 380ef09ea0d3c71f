package dev.prism.runtime.state;

import static dev.prism.runtime.state.StateRow.ordered;
import static dev.prism.runtime.state.StateRow.plus;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The rows of each listing, as immutable records. Ids are lowercase hex; times are epoch
 * microseconds in the records and ISO-8601 instants in the columns; resources are amounts by name.
 */
public final class StateRows {

  private StateRows() {}

  /** An ISO-8601 instant of epoch microseconds, or null for 0 (unknown). */
  static String instant(long micros) {
    return micros <= 0
        ? null
        : Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000).toString();
  }

  /**
   * A node.
   *
   * @param nodeId its id
   * @param address its node manager's {@code host:port}
   * @param state {@code ALIVE} or {@code DEAD}
   * @param deathReason why it is dead; empty while alive
   * @param total its resources
   * @param available its resources not in use, as it last reported them
   * @param labels its labels
   */
  public record NodeRow(
      String nodeId,
      String address,
      String state,
      String deathReason,
      Map<String, Double> total,
      Map<String, Double> available,
      Map<String, String> labels)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered("node_id", nodeId, "address", address, "state", state, "total", total);
    }

    @Override
    public Map<String, Object> detail() {
      return plus(columns(), "available", available, "labels", labels, "death_reason", deathReason);
    }
  }

  /**
   * A job: one driver's run.
   *
   * @param jobId its id
   * @param state {@code RUNNING} or {@code FINISHED}
   * @param driverAddress its driver's {@code host:port}
   * @param driverWorkerId its driver's worker id
   * @param startMillis when it started (epoch ms)
   * @param endMillis when it finished (epoch ms), 0 while it runs
   */
  public record JobRow(
      String jobId,
      String state,
      String driverAddress,
      String driverWorkerId,
      long startMillis,
      long endMillis)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered(
          "job_id",
          jobId,
          "state",
          state,
          "driver",
          driverAddress,
          "start_time",
          instant(startMillis * 1000),
          "end_time",
          instant(endMillis * 1000));
    }

    @Override
    public Map<String, Object> detail() {
      return plus(columns(), "driver_worker_id", driverWorkerId);
    }
  }

  /**
   * An actor.
   *
   * @param actorId its id
   * @param className its class
   * @param name its name, empty when not named
   * @param namespace its namespace
   * @param state {@code PENDING_CREATION}, {@code ALIVE}, {@code RESTARTING} or {@code DEAD}
   * @param jobId the job that created it
   * @param nodeId the node it runs on (or ran on last)
   * @param workerId the worker process hosting it
   * @param pid that process's id
   * @param restarts how often it restarted
   * @param deathCause why it is dead (or its last instance died)
   * @param pendingReason why it is not scheduled yet
   */
  public record ActorRow(
      String actorId,
      String className,
      String name,
      String namespace,
      String state,
      String jobId,
      String nodeId,
      String workerId,
      int pid,
      int restarts,
      String deathCause,
      String pendingReason)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered(
          "actor_id",
          actorId,
          "class_name",
          className,
          "name",
          name,
          "state",
          state,
          "node_id",
          nodeId,
          "pid",
          pid);
    }

    @Override
    public Map<String, Object> detail() {
      return plus(
          columns(),
          "namespace",
          namespace,
          "job_id",
          jobId,
          "worker_id",
          workerId,
          "restarts",
          restarts,
          "death_cause",
          deathCause,
          "pending_reason",
          pendingReason);
    }
  }

  /**
   * One attempt of a task or actor call, as the GCS merged it from task events.
   *
   * @param taskId the task's id
   * @param attempt 0 for the first run, then one more per retry
   * @param name its name (its function's by default)
   * @param function {@code Class.method}
   * @param type {@code NORMAL_TASK} or {@code ACTOR_TASK}
   * @param state {@code SUBMITTED}, {@code RUNNING}, {@code FINISHED}, {@code FAILED} or {@code
   *     CANCELLED}
   * @param jobId its job
   * @param actorId the actor it was sent to; empty for a plain task
   * @param nodeId where it ran
   * @param workerId the worker that ran it
   * @param submitterWorkerId the driver or worker that submitted it
   * @param submittedMicros when it was submitted (epoch µs; 0 when unknown)
   * @param startedMicros when it started to run (0 when unknown)
   * @param endedMicros when it ended (0 while it has not)
   * @param errorType on failure: the exception's class, or the kind of system error
   * @param errorMessage on failure: the message
   */
  public record TaskRow(
      String taskId,
      int attempt,
      String name,
      String function,
      String type,
      String state,
      String jobId,
      String actorId,
      String nodeId,
      String workerId,
      String submitterWorkerId,
      long submittedMicros,
      long startedMicros,
      long endedMicros,
      String errorType,
      String errorMessage)
      implements StateRow {

    /**
     * How long it ran, in microseconds, when it started and ended.
     *
     * @return the duration, or -1
     */
    public long durationMicros() {
      return startedMicros > 0 && endedMicros >= startedMicros ? endedMicros - startedMicros : -1;
    }

    @Override
    public Map<String, Object> columns() {
      return ordered(
          "task_id",
          taskId,
          "attempt",
          attempt,
          "name",
          name,
          "state",
          state,
          "type",
          type,
          "job_id",
          jobId,
          "node_id",
          nodeId,
          "worker_id",
          workerId,
          "error_type",
          errorType);
    }

    @Override
    public Map<String, Object> detail() {
      long d = durationMicros();
      return plus(
          columns(),
          "function",
          function,
          "actor_id",
          actorId,
          "submitter_worker_id",
          submitterWorkerId,
          "submitted_at",
          instant(submittedMicros),
          "started_at",
          instant(startedMicros),
          "ended_at",
          instant(endedMicros),
          "duration_ms",
          d < 0 ? null : d / 1000.0,
          "error_message",
          errorMessage);
    }
  }

  /**
   * A placement group.
   *
   * @param placementGroupId its id
   * @param name its name, empty when not named
   * @param namespace its namespace
   * @param strategy PACK, SPREAD, STRICT_PACK or STRICT_SPREAD
   * @param state {@code PENDING}, {@code CREATED} or {@code REMOVED}
   * @param bundles each bundle's resources
   * @param bundleNodeIds the node of each bundle while created
   * @param pendingReason why it is pending
   */
  public record PlacementGroupRow(
      String placementGroupId,
      String name,
      String namespace,
      String strategy,
      String state,
      List<Map<String, Double>> bundles,
      List<String> bundleNodeIds,
      String pendingReason)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered(
          "placement_group_id",
          placementGroupId,
          "name",
          name,
          "strategy",
          strategy,
          "state",
          state,
          "bundles",
          bundles);
    }

    @Override
    public Map<String, Object> detail() {
      return plus(
          columns(),
          "namespace",
          namespace,
          "bundle_node_ids",
          bundleNodeIds,
          "pending_reason",
          pendingReason);
    }
  }

  /**
   * A worker process of a node's pool.
   *
   * @param workerId its id
   * @param nodeId its node
   * @param pid its process id (-1 while launching)
   * @param state {@code STARTING}, {@code IDLE}, {@code LEASED} (running tasks), {@code ACTOR}
   *     (hosting an actor) or {@code STOPPING}
   * @param actorId the actor it hosts; empty if none
   * @param address where it listens, {@code host:port}
   * @param gpuIds the GPUs it was started with
   */
  public record WorkerRow(
      String workerId,
      String nodeId,
      long pid,
      String state,
      String actorId,
      String address,
      List<String> gpuIds)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered(
          "worker_id",
          workerId,
          "node_id",
          nodeId,
          "pid",
          pid,
          "state",
          state,
          "actor_id",
          actorId);
    }

    @Override
    public Map<String, Object> detail() {
      return plus(columns(), "address", address, "gpu_ids", gpuIds);
    }
  }

  /**
   * An object in a node's shared-memory store (values small enough to travel inline live only in
   * their owner's memory and are not listed).
   *
   * @param objectId its id
   * @param nodeId the node whose store holds this copy
   * @param ownerWorkerId the driver or worker that owns it (its id names it)
   * @param size its size in bytes
   * @param copy {@code PRIMARY} or {@code SECONDARY}
   * @param pinCount how many readers hold it now
   * @param spilled whether it lives only in its spill file now
   * @param state {@code CREATED} or {@code SEALED}
   * @param createdMillis when it was created (epoch ms)
   */
  public record ObjectRow(
      String objectId,
      String nodeId,
      String ownerWorkerId,
      long size,
      String copy,
      int pinCount,
      boolean spilled,
      String state,
      long createdMillis)
      implements StateRow {
    @Override
    public Map<String, Object> columns() {
      return ordered(
          "object_id",
          objectId,
          "node_id",
          nodeId,
          "size",
          size,
          "copy",
          copy,
          "pinned",
          pinCount > 0,
          "spilled",
          spilled);
    }

    @Override
    public Map<String, Object> detail() {
      return plus(
          columns(),
          "owner_worker_id",
          ownerWorkerId,
          "pin_count",
          pinCount,
          "state",
          state,
          "created_at",
          instant(createdMillis * 1000));
    }
  }

  /**
   * A line of a summary: one group (a function, an actor class, a node) and its counts.
   *
   * @param group the column the summary groups by, e.g. {@code function}
   * @param key the group's value
   * @param counts the counts by column, in order (e.g. total, then per state)
   */
  public record SummaryRow(String group, String key, Map<String, Long> counts) implements StateRow {
    @Override
    public Map<String, Object> columns() {
      Map<String, Object> m = ordered(group, key);
      m.putAll(counts);
      return m;
    }
  }
}
