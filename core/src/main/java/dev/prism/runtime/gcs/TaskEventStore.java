package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.GetTaskEventsReply;
import dev.prism.runtime.rpc.TaskAttemptInfo;
import dev.prism.runtime.rpc.TaskEvent;
import dev.prism.runtime.rpc.TaskStateProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The GCS's view of task attempts, merged from the task events that submitters and workers send:
 * one entry per (task id, attempt), holding the furthest state its events reached and the times it
 * entered each. Events may come in any order (the submitter's and the worker's batches travel
 * apart): a state never goes back, and each event fills in what it knows.
 *
 * <p>Bounded: past {@code maxTasks} entries, the attempt that ended first is dropped (the oldest
 * one still running or waiting only when none has ended), and every drop is counted. Thread safe.
 */
final class TaskEventStore {

  /** The default bound: 10,000 task attempts. */
  static final int DEFAULT_MAX_TASKS = 10_000;

  private record Key(ByteString taskId, int attempt) {}

  private final int maxTasks;
  private final LinkedHashMap<Key, TaskAttemptInfo.Builder> attempts = new LinkedHashMap<>();

  /** The keys of attempts that ended, in the order they ended: the first to drop. */
  private final LinkedHashSet<Key> ended = new LinkedHashSet<>();

  /** The latest total of dropped events each reporter said it dropped. */
  private final Map<String, Long> droppedByReporter = new HashMap<>();

  /**
   * The attempts dropped most recently (as many as the store holds): an event of one of them that
   * comes late (a submitter's batch after the worker's) must not bring it back as a new entry.
   */
  private final LinkedHashSet<Key> recentlyDropped = new LinkedHashSet<>();

  private long droppedTasks;
  private long submittedTotal;
  private final Map<TaskStateProto, Long> endedTotal =
      new java.util.EnumMap<>(TaskStateProto.class);

  TaskEventStore(int maxTasks) {
    if (maxTasks < 1) {
      throw new GcsException("maxTasks " + maxTasks + " must be at least 1, e.g. 10000");
    }
    this.maxTasks = maxTasks;
  }

  /**
   * Merges a batch of events.
   *
   * @param events the events
   * @param reporter the worker id of the process that sent them
   * @param droppedEvents how many events that process dropped so far, in all
   */
  synchronized void add(List<TaskEvent> events, String reporter, long droppedEvents) {
    if (droppedEvents > 0) {
      droppedByReporter.merge(reporter, droppedEvents, Math::max);
    }
    for (TaskEvent e : events) {
      merge(e);
    }
  }

  private void merge(TaskEvent e) {
    Key key = new Key(e.getTaskId(), e.getAttempt());
    TaskAttemptInfo.Builder a = attempts.get(key);
    if (a == null) {
      if (!recentlyDropped.isEmpty() && recentlyDropped.contains(key)) {
        return;
      }
      a = TaskAttemptInfo.newBuilder().setTaskId(e.getTaskId()).setAttempt(e.getAttempt());
      attempts.put(key, a);
      if (attempts.size() > maxTasks) {
        dropOne();
      }
    }
    if (!e.getJobId().isEmpty()) {
      a.setJobId(e.getJobId());
    }
    if (!e.getName().isEmpty()) {
      a.setName(e.getName());
    }
    if (!e.getFunction().isEmpty()) {
      a.setFunction(e.getFunction());
    }
    if (!e.getActorId().isEmpty()) {
      a.setActorId(e.getActorId());
    }
    switch (e.getState()) {
      case TASK_SUBMITTED -> {
        if (a.getSubmittedUs() == 0) {
          submittedTotal++;
        }
        a.setSubmittedUs(e.getTimeUs());
        a.setSubmitterWorkerId(e.getWorkerId());
      }
      case TASK_RUNNING -> {
        a.setStartedUs(e.getTimeUs());
        a.setNodeId(e.getNodeId());
        a.setWorkerId(e.getWorkerId());
      }
      case TASK_FINISHED, TASK_FAILED, TASK_CANCELLED -> {
        a.setEndedUs(e.getTimeUs());
        if (e.getStartTimeUs() > 0) {
          a.setStartedUs(e.getStartTimeUs());
          a.setNodeId(e.getNodeId());
          a.setWorkerId(e.getWorkerId());
        }
        // A submitter that saw the worker die reports the end itself: the worker's own
        // RUNNING event (when it came) keeps naming where it ran.
        if (a.getNodeId().isEmpty()) {
          a.setNodeId(e.getNodeId());
        }
        if (a.getWorkerId().isEmpty()) {
          a.setWorkerId(e.getWorkerId());
        }
        if (!e.getErrorType().isEmpty()) {
          a.setErrorType(e.getErrorType()).setErrorMessage(e.getErrorMessage());
        }
        if (ended.add(key)) {
          endedTotal.merge(e.getState(), 1L, Long::sum);
        }
      }
      default -> {
        // an unknown state adds nothing but what it names
      }
    }
    if (e.getStateValue() > a.getStateValue()) {
      a.setState(e.getState());
    }
  }

  private void dropOne() {
    Key victim;
    Iterator<Key> first = ended.iterator();
    if (first.hasNext()) {
      victim = first.next();
      first.remove();
    } else {
      victim = attempts.keySet().iterator().next();
    }
    attempts.remove(victim);
    droppedTasks++;
    recentlyDropped.add(victim);
    if (recentlyDropped.size() > maxTasks) {
      Iterator<Key> oldest = recentlyDropped.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * What the store holds.
   *
   * @param limit at most this many attempts, the newest (0: all)
   * @param jobId only this job's (empty: every job's)
   * @return the attempts, oldest first, with the drop counts
   */
  synchronized GetTaskEventsReply query(int limit, ByteString jobId) {
    List<TaskAttemptInfo> out = new ArrayList<>();
    for (TaskAttemptInfo.Builder a : attempts.values()) {
      if (jobId.isEmpty() || jobId.equals(a.getJobId())) {
        out.add(a.build());
      }
    }
    if (limit > 0 && out.size() > limit) {
      out = out.subList(out.size() - limit, out.size());
    }
    long droppedEvents = droppedByReporter.values().stream().mapToLong(Long::longValue).sum();
    return GetTaskEventsReply.newBuilder()
        .addAllTasks(out)
        .setDroppedTasks(droppedTasks)
        .setDroppedEvents(droppedEvents)
        .setMaxTasks(maxTasks)
        .build();
  }

  /**
   * Counts for metrics: attempts submitted and ended (by how) since the GCS started, including
   * those dropped since, and the attempts held now by state.
   */
  synchronized TaskCounts counts() {
    Map<String, Long> endedNow = new java.util.TreeMap<>();
    endedTotal.forEach((k, v) -> endedNow.put(k.name().substring(5), v));
    Map<String, Long> held = new java.util.TreeMap<>();
    for (TaskAttemptInfo.Builder a : attempts.values()) {
      held.merge(a.getState().name().replaceFirst("^TASK_", ""), 1L, Long::sum);
    }
    return new TaskCounts(submittedTotal, endedNow, held, droppedTasks);
  }

  /** How many attempts it holds. */
  synchronized int size() {
    return attempts.size();
  }
}
