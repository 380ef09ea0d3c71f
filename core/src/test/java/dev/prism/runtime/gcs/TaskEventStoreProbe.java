package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.AddTaskEventsRequest;
import dev.prism.runtime.rpc.TaskEvent;
import dev.prism.runtime.rpc.TaskStateProto;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: what the task events of one task cost past the task path, in one thread, run by hand
 * with {@code -Dprism.probe=true}: building a batch's wire form, serializing and parsing it, and
 * the GCS merging it into a full store (10,000 attempts, dropping as it goes). A task makes two
 * events (its submitter's, and its worker's start and end folded into one).
 */
@EnabledIfSystemProperty(named = "prism.probe", matches = "true")
class TaskEventStoreProbe {

  @Test
  void measure() throws Exception {
    TaskEventStore store = new TaskEventStore(TaskEventStore.DEFAULT_MAX_TASKS);
    ByteString job = JobTable.encode(1);
    int tasks = 200_000;
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int base = 0; base < tasks; base += 500) {
        AddTaskEventsRequest.Builder submitted = AddTaskEventsRequest.newBuilder();
        AddTaskEventsRequest.Builder ran = AddTaskEventsRequest.newBuilder();
        for (int i = base; i < base + 500; i++) {
          ByteString id =
              ByteString.copyFrom(ByteBuffer.allocate(16).putLong(round).putLong(i).array());
          submitted.addEvents(
              TaskEvent.newBuilder()
                  .setTaskId(id)
                  .setState(TaskStateProto.TASK_SUBMITTED)
                  .setTimeUs(1_000_000L + i)
                  .setJobId(job)
                  .setName("dev.prism.Example.square")
                  .setFunction("dev.prism.Example.square")
                  .setWorkerId("0123456789abcdef"));
          ran.addEvents(
              TaskEvent.newBuilder()
                  .setTaskId(id)
                  .setState(TaskStateProto.TASK_FINISHED)
                  .setTimeUs(1_000_100L + i)
                  .setStartTimeUs(1_000_050L + i)
                  .setJobId(job)
                  .setName("dev.prism.Example.square")
                  .setFunction("dev.prism.Example.square")
                  .setNodeId("node-0123456789abcdef")
                  .setWorkerId("fedcba9876543210"));
        }
        for (AddTaskEventsRequest.Builder b : new AddTaskEventsRequest.Builder[] {submitted, ran}) {
          AddTaskEventsRequest parsed = AddTaskEventsRequest.parseFrom(b.build().toByteArray());
          store.add(parsed.getEventsList(), parsed.getReporterWorkerId(), 0);
        }
      }
      best = Math.min(best, System.nanoTime() - t0);
    }
    System.out.printf(
        "PROBE events of one task, built, serialized, parsed and merged (one thread): %.2f us"
            + " (best of 5 rounds of %d tasks); store holds %d, dropped %d%n",
        best / 1000.0 / tasks,
        tasks,
        store.size(),
        store.query(1, ByteString.EMPTY).getDroppedTasks());
  }
}
