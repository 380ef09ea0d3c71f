package dev.prism.runtime.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.GetTaskEventsReply;
import dev.prism.runtime.rpc.TaskAttemptInfo;
import dev.prism.runtime.rpc.TaskEvent;
import dev.prism.runtime.rpc.TaskStateProto;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GCS's bounded store of task attempts, merged from events. */
class TaskEventStoreTest {

  private static final ByteString JOB = JobTable.encode(1);

  private static TaskEvent event(int task, TaskStateProto state, long time) {
    return TaskEvent.newBuilder()
        .setTaskId(ByteString.copyFrom(new byte[] {(byte) task}))
        .setState(state)
        .setTimeUs(time)
        .setJobId(JOB)
        .setName("f" + task)
        .setWorkerId(state == TaskStateProto.TASK_SUBMITTED ? "owner" : "w1")
        .setNodeId(state == TaskStateProto.TASK_SUBMITTED ? "" : "n1")
        .build();
  }

  @Test
  void mergesEventsInAnyOrderWithoutGoingBack() {
    TaskEventStore store = new TaskEventStore(10);
    store.add(
        List.of(
            event(1, TaskStateProto.TASK_RUNNING, 20), event(1, TaskStateProto.TASK_FINISHED, 30)),
        "w1",
        0);
    store.add(List.of(event(1, TaskStateProto.TASK_SUBMITTED, 10)), "owner", 0);
    TaskAttemptInfo a = store.query(0, ByteString.EMPTY).getTasks(0);
    assertThat(a.getState()).isEqualTo(TaskStateProto.TASK_FINISHED);
    assertThat(a.getSubmittedUs()).isEqualTo(10);
    assertThat(a.getStartedUs()).isEqualTo(20);
    assertThat(a.getEndedUs()).isEqualTo(30);
    assertThat(a.getWorkerId()).isEqualTo("w1");
    assertThat(a.getSubmitterWorkerId()).isEqualTo("owner");
    assertThat(a.getNodeId()).isEqualTo("n1");
  }

  @Test
  void dropsTheFirstEndedAttemptsFirstAndCountsThem() {
    TaskEventStore store = new TaskEventStore(3);
    store.add(List.of(event(1, TaskStateProto.TASK_RUNNING, 1)), "w1", 0); // still running
    for (int t = 2; t <= 6; t++) {
      store.add(
          List.of(
              event(t, TaskStateProto.TASK_RUNNING, t), event(t, TaskStateProto.TASK_FAILED, t)),
          "w1",
          7);
    }
    GetTaskEventsReply reply = store.query(0, ByteString.EMPTY);
    assertThat(reply.getTasksList())
        .extracting(TaskAttemptInfo::getName)
        .containsExactly("f1", "f5", "f6");
    assertThat(reply.getDroppedTasks()).isEqualTo(3);
    assertThat(reply.getDroppedEvents()).isEqualTo(7);
    assertThat(reply.getMaxTasks()).isEqualTo(3);
    assertThat(store.query(1, ByteString.EMPTY).getTasksList())
        .extracting(TaskAttemptInfo::getName)
        .containsExactly("f6");
    assertThat(store.query(0, JobTable.encode(2)).getTasksList()).isEmpty();
  }

  @Test
  void dropsTheOldestWhenNoneEnded() {
    TaskEventStore store = new TaskEventStore(2);
    for (int t = 1; t <= 3; t++) {
      store.add(List.of(event(t, TaskStateProto.TASK_SUBMITTED, t)), "owner", 0);
    }
    assertThat(store.query(0, ByteString.EMPTY).getTasksList())
        .extracting(TaskAttemptInfo::getName)
        .containsExactly("f2", "f3");
    assertThatThrownBy(() -> new TaskEventStore(0)).hasMessageContaining("at least 1");
  }

  @Test
  void anEndEventWithItsStartTimeStandsForBoth() {
    TaskEventStore store = new TaskEventStore(10);
    store.add(
        List.of(event(1, TaskStateProto.TASK_FINISHED, 30).toBuilder().setStartTimeUs(20).build()),
        "w1",
        0);
    TaskAttemptInfo a = store.query(0, ByteString.EMPTY).getTasks(0);
    assertThat(a.getStartedUs()).isEqualTo(20);
    assertThat(a.getEndedUs()).isEqualTo(30);
    assertThat(a.getWorkerId()).isEqualTo("w1");
    assertThat(a.getState()).isEqualTo(TaskStateProto.TASK_FINISHED);
  }

  @Test
  void aLateEventOfADroppedAttemptDoesNotBringItBack() {
    TaskEventStore store = new TaskEventStore(1);
    store.add(List.of(event(1, TaskStateProto.TASK_FINISHED, 2)), "w1", 0);
    store.add(List.of(event(2, TaskStateProto.TASK_FINISHED, 3)), "w1", 0);
    store.add(List.of(event(1, TaskStateProto.TASK_SUBMITTED, 1)), "owner", 0);
    GetTaskEventsReply reply = store.query(0, ByteString.EMPTY);
    assertThat(reply.getTasksList()).extracting(TaskAttemptInfo::getName).containsExactly("f2");
    assertThat(reply.getDroppedTasks()).isEqualTo(1);
  }
}
