package dev.prism.runtime.state;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.runtime.state.StateRows.TaskRow;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Task execution as a Chrome trace (the JSON array format that chrome://tracing and Perfetto load):
 * one complete event ({@code "ph": "X"}) per task attempt that ran and ended, on a process per node
 * and a thread per worker, with its start and duration in microseconds; and metadata events naming
 * the processes and threads.
 */
public final class Timeline {

  private Timeline() {}

  /**
   * The trace of the attempts that started and ended.
   *
   * @param tasks task attempts (others are skipped)
   * @return the trace events
   */
  public static ArrayNode chromeTrace(List<TaskRow> tasks) {
    ArrayNode events = StateJson.MAPPER.createArrayNode();
    Set<String> nodes = new LinkedHashSet<>();
    Set<String> workers = new LinkedHashSet<>();
    for (TaskRow t : tasks) {
      if (t.durationMicros() < 0) {
        continue;
      }
      if (nodes.add(t.nodeId())) {
        ObjectNode m = events.addObject();
        m.put("name", "process_name").put("ph", "M").put("pid", pid(t.nodeId()));
        m.putObject("args").put("name", "node " + t.nodeId());
      }
      if (workers.add(t.nodeId() + "/" + t.workerId())) {
        ObjectNode m = events.addObject();
        m.put("name", "thread_name")
            .put("ph", "M")
            .put("pid", pid(t.nodeId()))
            .put("tid", tid(t.workerId()));
        m.putObject("args").put("name", "worker " + t.workerId());
      }
      ObjectNode e = events.addObject();
      e.put("name", t.name())
          .put("cat", t.type().equals("ACTOR_TASK") ? "actor_task" : "task")
          .put("ph", "X")
          .put("ts", t.startedMicros())
          .put("dur", t.durationMicros())
          .put("pid", pid(t.nodeId()))
          .put("tid", tid(t.workerId()));
      ObjectNode args = e.putObject("args");
      args.put("task_id", t.taskId())
          .put("attempt", t.attempt())
          .put("state", t.state())
          .put("function", t.function())
          .put("job_id", t.jobId())
          .put("node_id", t.nodeId())
          .put("worker_id", t.workerId());
      if (!t.actorId().isEmpty()) {
        args.put("actor_id", t.actorId());
      }
      if (!t.errorType().isEmpty()) {
        args.put("error_type", t.errorType());
      }
    }
    return events;
  }

  /** A node's process number in the trace: a stable number of its id. */
  private static long pid(String nodeId) {
    return Integer.toUnsignedLong(nodeId.hashCode());
  }

  /** A worker's thread number: its id's low 31 bits (worker ids are hex). */
  private static long tid(String workerId) {
    try {
      return Long.parseUnsignedLong(workerId, 16) & 0x7fffffffL;
    } catch (NumberFormatException e) {
      return Integer.toUnsignedLong(workerId.hashCode());
    }
  }
}
