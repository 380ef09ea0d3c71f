package dev.prism.runtime.state;

import com.google.protobuf.ByteString;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.GetTaskEventsReply;
import dev.prism.runtime.rpc.JobInfo;
import dev.prism.runtime.rpc.ListObjectsRequest;
import dev.prism.runtime.rpc.ListWorkersRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.StoredObjectInfo;
import dev.prism.runtime.rpc.TaskAttemptInfo;
import dev.prism.runtime.rpc.WorkerProcessInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.state.StateRows.ActorRow;
import dev.prism.runtime.state.StateRows.JobRow;
import dev.prism.runtime.state.StateRows.NodeRow;
import dev.prism.runtime.state.StateRows.ObjectRow;
import dev.prism.runtime.state.StateRows.PlacementGroupRow;
import dev.prism.runtime.state.StateRows.SummaryRow;
import dev.prism.runtime.state.StateRows.TaskRow;
import dev.prism.runtime.state.StateRows.WorkerRow;
import dev.prism.scheduler.FixedPoint;
import dev.prism.store.ObjectId;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The cluster's state as rows: asks the GCS for nodes, jobs, actors, placement groups and task
 * attempts, and each alive node's manager for its workers and its store's objects. Each call asks
 * afresh; nothing is cached. A node that does not answer is left out of workers and objects (and
 * named in {@link #unreachableNodes()}).
 */
public final class ClusterState {

  private static final HexFormat HEX = HexFormat.of();

  /** The task states in their order, as the columns of the task summary show them. */
  public static final List<String> TASK_STATES =
      List.of("SUBMITTED", "RUNNING", "FINISHED", "FAILED", "CANCELLED");

  /** The actor states in their order. */
  public static final List<String> ACTOR_STATES =
      List.of("PENDING_CREATION", "ALIVE", "RESTARTING", "DEAD");

  private final GcsClient gcs;
  private final ClusterToken token;
  private final Duration nodeTimeout;
  private final List<String> unreachable = new ArrayList<>();
  private GetTaskEventsReply lastTasks = GetTaskEventsReply.getDefaultInstance();

  /**
   * @param gcs the cluster's GCS
   * @param token the cluster token, for calls to node managers
   * @param nodeTimeout the deadline of each call to a node manager
   */
  public ClusterState(GcsClient gcs, ClusterToken token, Duration nodeTimeout) {
    this.gcs = gcs;
    this.token = token;
    this.nodeTimeout = nodeTimeout;
  }

  /**
   * The rows of a kind.
   *
   * @param kind the kind
   * @return every row of it
   */
  public List<? extends StateRow> list(StateKind kind) {
    return switch (kind) {
      case NODES -> nodes();
      case JOBS -> jobs();
      case ACTORS -> actors();
      case TASKS -> tasks();
      case OBJECTS -> objects();
      case WORKERS -> workers();
      case PLACEMENT_GROUPS -> placementGroups();
    };
  }

  /**
   * The nodes, alive and dead.
   *
   * @return them
   */
  public List<NodeRow> nodes() {
    return gcs.getAllNodes().stream().map(ClusterState::node).toList();
  }

  private static NodeRow node(NodeInfo n) {
    return new NodeRow(
        n.getNodeId(),
        n.getAddress().getHost() + ":" + n.getAddress().getPort(),
        n.getAlive() ? "ALIVE" : "DEAD",
        n.getDeathReason(),
        amounts(n.getTotal()),
        amounts(n.getAvailable()),
        new TreeMap<>(n.getLabelsMap()));
  }

  /** Resource amounts by name, as numbers. */
  static Map<String, Double> amounts(ResourceAmounts r) {
    Map<String, Double> m = new TreeMap<>();
    r.getAmountsMap().forEach((k, v) -> m.put(k, FixedPoint.toDouble(v)));
    return m;
  }

  /**
   * The jobs, running and finished.
   *
   * @return them, in the order they started
   */
  public List<JobRow> jobs() {
    List<JobRow> out = new ArrayList<>();
    for (JobInfo j : gcs.listJobs()) {
      out.add(
          new JobRow(
              hex(j.getJobId()),
              j.getFinished() ? "FINISHED" : "RUNNING",
              j.getDriver().getHost() + ":" + j.getDriver().getPort(),
              j.getDriver().getWorkerId(),
              j.getStartTimeMs(),
              j.getEndTimeMs()));
    }
    return out;
  }

  /**
   * The actors.
   *
   * @return them, in the order they registered
   */
  public List<ActorRow> actors() {
    List<ActorRow> out = new ArrayList<>();
    for (ActorInfo a : gcs.listActors()) {
      out.add(
          new ActorRow(
              hex(a.getActorId()),
              a.getSpec().getClassName(),
              a.getSpec().getName(),
              a.getSpec().getNamespace(),
              a.getState().name(),
              hex(a.getSpec().getJobId()),
              a.getNodeId(),
              a.getAddress().getWorkerId(),
              a.getPid(),
              a.getNumRestarts(),
              a.getDeathCause(),
              a.getPendingReason()));
    }
    return out;
  }

  /**
   * The task attempts the GCS keeps (see {@link #droppedTasks()} for those it no longer does).
   *
   * @return them, oldest first
   */
  public List<TaskRow> tasks() {
    lastTasks = gcs.getTaskEvents(0, ByteString.EMPTY);
    List<TaskRow> out = new ArrayList<>(lastTasks.getTasksCount());
    for (TaskAttemptInfo t : lastTasks.getTasksList()) {
      out.add(task(t));
    }
    return out;
  }

  private static TaskRow task(TaskAttemptInfo t) {
    String state =
        switch (t.getState()) {
          case TASK_SUBMITTED -> "SUBMITTED";
          case TASK_RUNNING -> "RUNNING";
          case TASK_FINISHED -> "FINISHED";
          case TASK_FAILED -> "FAILED";
          case TASK_CANCELLED -> "CANCELLED";
          default -> "UNKNOWN";
        };
    return new TaskRow(
        hex(t.getTaskId()),
        t.getAttempt(),
        t.getName(),
        t.getFunction(),
        t.getActorId().isEmpty() ? "NORMAL_TASK" : "ACTOR_TASK",
        state,
        hex(t.getJobId()),
        hex(t.getActorId()),
        t.getNodeId(),
        t.getWorkerId(),
        t.getSubmitterWorkerId(),
        t.getSubmittedUs(),
        t.getStartedUs(),
        t.getEndedUs(),
        t.getErrorType(),
        t.getErrorMessage());
  }

  /**
   * How many task attempts the GCS dropped to stay within its bound, as of the last {@link
   * #tasks()}.
   *
   * @return the count
   */
  public long droppedTasks() {
    return lastTasks.getDroppedTasks();
  }

  /**
   * How many task events drivers and workers dropped before sending them (their buffers were full),
   * as of the last {@link #tasks()}.
   *
   * @return the count
   */
  public long droppedTaskEvents() {
    return lastTasks.getDroppedEvents();
  }

  /**
   * The placement groups, removed ones included.
   *
   * @return them
   */
  public List<PlacementGroupRow> placementGroups() {
    List<PlacementGroupRow> out = new ArrayList<>();
    for (PlacementGroupInfo g : gcs.listPlacementGroups()) {
      out.add(
          new PlacementGroupRow(
              hex(g.getPlacementGroupId()),
              g.getName(),
              g.getNamespace(),
              g.getStrategy().name(),
              g.getState().name().replace("PG_", ""),
              g.getBundlesList().stream().map(ClusterState::amounts).toList(),
              List.copyOf(g.getBundleNodeIdsList()),
              g.getPendingReason()));
    }
    return out;
  }

  /**
   * The worker processes of every alive node's pool; a worker hosting an alive actor shows state
   * {@code ACTOR} and the actor's id.
   *
   * @return them, node by node
   */
  public List<WorkerRow> workers() {
    Map<String, String> actorOfWorker = new HashMap<>();
    for (ActorInfo a : gcs.listActors()) {
      if (a.getState() == dev.prism.runtime.rpc.ActorState.ALIVE) {
        actorOfWorker.put(a.getAddress().getWorkerId(), hex(a.getActorId()));
      }
    }
    List<WorkerRow> out = new ArrayList<>();
    perNode(
        stub -> stub.listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersList(),
        (node, workers) -> {
          for (WorkerProcessInfo w : workers) {
            String actor = actorOfWorker.getOrDefault(w.getWorkerId(), "");
            out.add(
                new WorkerRow(
                    w.getWorkerId(),
                    node,
                    w.getPid(),
                    actor.isEmpty() || !w.getState().equals("LEASED") ? w.getState() : "ACTOR",
                    actor,
                    w.getAddress(),
                    List.copyOf(w.getGpuIdsList())));
          }
        });
    return out;
  }

  /**
   * The objects in every alive node's shared-memory store. Small values that travel inline live in
   * their owners' memory only and are not listed.
   *
   * @return them, node by node
   */
  public List<ObjectRow> objects() {
    List<ObjectRow> out = new ArrayList<>();
    perNode(
        stub -> stub.listObjects(ListObjectsRequest.getDefaultInstance()).getObjectsList(),
        (node, objects) -> {
          for (StoredObjectInfo o : objects) {
            ObjectId id = ObjectId.of(o.getObjectId().toByteArray());
            out.add(
                new ObjectRow(
                    hex(o.getObjectId()),
                    node,
                    String.format(Locale.ROOT, "%016x", id.high()),
                    o.getSize(),
                    o.getCopy(),
                    o.getPinCount(),
                    o.getSpilled(),
                    o.getState(),
                    o.getCreatedMs()));
          }
        });
    return out;
  }

  /**
   * The nodes that did not answer the last {@link #workers()} or {@link #objects()}.
   *
   * @return their ids, with why
   */
  public List<String> unreachableNodes() {
    return List.copyOf(unreachable);
  }

  private <T> void perNode(
      Function<NodeManagerServiceGrpc.NodeManagerServiceBlockingStub, List<T>> call,
      java.util.function.BiConsumer<String, List<T>> sink) {
    unreachable.clear();
    for (NodeInfo n : gcs.getAllNodes()) {
      if (!n.getAlive()) {
        continue;
      }
      ManagedChannel channel =
          Rpc.channel(n.getAddress().getHost(), n.getAddress().getPort(), token).build();
      try {
        List<T> items =
            call.apply(
                NodeManagerServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(nodeTimeout.toNanos(), TimeUnit.NANOSECONDS));
        sink.accept(n.getNodeId(), items);
      } catch (RuntimeException e) {
        unreachable.add(n.getNodeId() + " (" + e.getMessage() + ")");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  // ------------------------------------------------------------------------------ summaries

  /**
   * Task attempts by function ({@code Class.method}) and state: total, then one count per state.
   *
   * @param tasks the attempts
   * @return one row per function, by function name
   */
  public static List<SummaryRow> summarizeTasks(List<TaskRow> tasks) {
    Map<String, Map<String, Long>> by = new TreeMap<>();
    for (TaskRow t : tasks) {
      String key = t.function().isEmpty() ? t.name() : t.function();
      Map<String, Long> c = by.computeIfAbsent(key, k -> zeroCounts(TASK_STATES));
      c.merge("total", 1L, Long::sum);
      c.merge(t.state(), 1L, Long::sum);
    }
    return rows("function", by);
  }

  /**
   * Actors by class and state: total, then one count per state.
   *
   * @param actors the actors
   * @return one row per class, by class name
   */
  public static List<SummaryRow> summarizeActors(List<ActorRow> actors) {
    Map<String, Map<String, Long>> by = new TreeMap<>();
    for (ActorRow a : actors) {
      Map<String, Long> c = by.computeIfAbsent(a.className(), k -> zeroCounts(ACTOR_STATES));
      c.merge("total", 1L, Long::sum);
      c.merge(a.state(), 1L, Long::sum);
    }
    return rows("class_name", by);
  }

  /**
   * Objects by node: how many, their bytes, how many are pinned and spilled.
   *
   * @param objects the objects
   * @return one row per node that holds any
   */
  public static List<SummaryRow> summarizeObjects(List<ObjectRow> objects) {
    Map<String, Map<String, Long>> by = new TreeMap<>();
    for (ObjectRow o : objects) {
      Map<String, Long> c =
          by.computeIfAbsent(o.nodeId(), k -> zeroCounts(List.of("bytes", "pinned", "spilled")));
      c.merge("total", 1L, Long::sum);
      c.merge("bytes", o.size(), Long::sum);
      c.merge("pinned", o.pinCount() > 0 ? 1L : 0L, Long::sum);
      c.merge("spilled", o.spilled() ? 1L : 0L, Long::sum);
    }
    return rows("node_id", by);
  }

  private static Map<String, Long> zeroCounts(List<String> columns) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("total", 0L);
    columns.forEach(c -> m.put(c, 0L));
    return m;
  }

  private static List<SummaryRow> rows(String group, Map<String, Map<String, Long>> by) {
    List<SummaryRow> out = new ArrayList<>();
    by.forEach((k, counts) -> out.add(new SummaryRow(group, k, counts)));
    return out;
  }

  static String hex(ByteString b) {
    return b.isEmpty() ? "" : HEX.formatHex(b.toByteArray());
  }
}
