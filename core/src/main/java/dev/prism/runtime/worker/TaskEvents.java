package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.AddTaskEventsReply;
import dev.prism.runtime.rpc.AddTaskEventsRequest;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.TaskEvent;
import dev.prism.runtime.rpc.TaskStateProto;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's task events, on their way to the GCS: the submitter records that it submitted a
 * task (and the failures it sees itself, a worker that died with the task), the executing worker
 * that the task started and how it ended. Recording never blocks and costs a small object on a
 * lock-free queue; a thread of its own sends the events in batches (every {@link #INTERVAL_MILLIS}
 * ms, or sooner once {@link #BATCH} are waiting), one batch in flight at a time. The buffer is
 * bounded: when it is full (the GCS is slow or gone), new events are dropped and counted, and the
 * count travels with the next batch.
 *
 * <p>Off with the system property {@code prism.taskEvents=false} (then recording does nothing).
 */
final class TaskEvents implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskEvents.class);

  /** How often the buffer is sent. */
  static final long INTERVAL_MILLIS = 500;

  /** The most events in one batch; this many waiting sends them at once. */
  static final int BATCH = 1000;

  /** The most events buffered. */
  static final int CAPACITY = 20_000;

  /** The system property that turns task events off when {@code false}. */
  static final String PROPERTY = "prism.taskEvents";

  /** Records nothing (a process without a GCS, and test doubles). */
  static final TaskEvents OFF = new TaskEvents(null, "", "");

  private static final long BASE_EPOCH_MICROS = System.currentTimeMillis() * 1000;
  private static final long BASE_NANOS = System.nanoTime();

  /** One recorded event; turned into its wire form on the sending thread. */
  private record Pending(
      ByteString taskId,
      int attempt,
      TaskStateProto state,
      long timeMicros,
      ByteString jobId,
      String name,
      FunctionDescriptorProto function,
      ByteString actorId,
      String errorType,
      String errorMessage) {}

  private final GcsServiceGrpc.GcsServiceStub stub;
  private final String nodeId;
  private final String workerId;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final AtomicBoolean flushSoon = new AtomicBoolean();
  private final ScheduledExecutorService sender;
  private final java.util.concurrent.ScheduledFuture<?> ticking;

  /**
   * @param gcs the channel to the GCS, or null when there is none (then nothing is recorded)
   * @param nodeId this process's node
   * @param workerId this process's worker id
   */
  TaskEvents(Channel gcs, String nodeId, String workerId) {
    this.nodeId = nodeId == null ? "" : nodeId;
    this.workerId = workerId;
    if (gcs == null || "false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
      this.stub = null;
      this.sender = null;
      this.ticking = null;
      return;
    }
    this.stub = GcsServiceGrpc.newStub(gcs);
    this.sender =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-task-events");
              t.setDaemon(true);
              return t;
            });
    this.ticking =
        sender.scheduleWithFixedDelay(
            this::sendSafely, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Now, in epoch microseconds (monotonic within this process). */
  static long nowMicros() {
    return BASE_EPOCH_MICROS + (System.nanoTime() - BASE_NANOS) / 1000;
  }

  /** A task (or actor call) was submitted by this process; {@code spec} names it. */
  void submitted(PendingTask task) {
    if (stub == null) {
      return;
    }
    var s = task.spec;
    add(
        new Pending(
            s.getTaskId(),
            task.attempt,
            TaskStateProto.TASK_SUBMITTED,
            nowMicros(),
            s.getJobId(),
            task.displayName,
            s.getFunction(),
            s.getActorId(),
            "",
            ""));
  }

  /** This worker started to run a task. */
  void running(dev.prism.runtime.rpc.TaskSpec s, long timeMicros) {
    if (stub == null) {
      return;
    }
    add(
        new Pending(
            s.getTaskId(),
            s.getAttempt(),
            TaskStateProto.TASK_RUNNING,
            timeMicros,
            s.getJobId(),
            s.getName(),
            s.getFunction(),
            s.getActorId(),
            "",
            ""));
  }

  /**
   * A task ended: here (it ran in this worker), or at its submitter (its worker died).
   *
   * @param taskId the task
   * @param attempt its attempt
   * @param state {@code TASK_FINISHED}, {@code TASK_FAILED} or {@code TASK_CANCELLED}
   * @param errorType on failure, the exception's class or the kind of system error
   * @param errorMessage on failure, its message
   */
  void ended(
      ByteString taskId, int attempt, TaskStateProto state, String errorType, String errorMessage) {
    if (stub == null) {
      return;
    }
    add(
        new Pending(
            taskId,
            attempt,
            state,
            nowMicros(),
            ByteString.EMPTY,
            "",
            null,
            ByteString.EMPTY,
            errorType == null ? "" : errorType,
            errorMessage == null ? "" : errorMessage));
  }

  /** Whether this process records events. */
  boolean enabled() {
    return stub != null;
  }

  /** Events dropped so far (the buffer was full, or a batch could not be sent). */
  long dropped() {
    return dropped.get();
  }

  private void add(Pending p) {
    int n = size.incrementAndGet();
    if (n > CAPACITY) {
      size.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.add(p);
    if (n >= BATCH && flushSoon.compareAndSet(false, true)) {
      try {
        sender.execute(this::sendSafely);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing: the final flush takes what is left
      }
    }
  }

  private void sendSafely() {
    flushSoon.set(false);
    try {
      sendBatches(false);
    } catch (RuntimeException e) {
      LOG.debug("could not send task events", e);
    }
  }

  /** Sends what is buffered: one batch in flight at a time, or (blocking) every batch. */
  private void sendBatches(boolean blocking) {
    while (!queue.isEmpty()) {
      if (!blocking && !inFlight.compareAndSet(false, true)) {
        return; // the batch in flight sends the rest when it is answered
      }
      AddTaskEventsRequest request = drain();
      int count = request.getEventsCount();
      if (blocking) {
        try {
          GcsServiceGrpc.newBlockingStub(stub.getChannel())
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .addTaskEvents(request);
        } catch (RuntimeException e) {
          dropped.addAndGet(count);
          LOG.debug("could not send {} task events at close: {}", count, e.toString());
          return;
        }
        continue;
      }
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .addTaskEvents(
              request,
              new StreamObserver<>() {
                @Override
                public void onNext(AddTaskEventsReply value) {}

                @Override
                public void onError(Throwable t) {
                  dropped.addAndGet(count);
                  LOG.debug("could not send {} task events: {}", count, t.toString());
                  inFlight.set(false);
                }

                @Override
                public void onCompleted() {
                  inFlight.set(false);
                  if (size.get() >= BATCH && flushSoon.compareAndSet(false, true)) {
                    try {
                      sender.execute(TaskEvents.this::sendSafely);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                      // closing
                    }
                  }
                }
              });
      return;
    }
  }

  private record Attempt(ByteString taskId, int attempt) {}

  /**
   * Takes up to a batch of events, in their wire form. An attempt that started and ended within the
   * batch travels as one event (its end, with the start time): a short task costs the worker one
   * event, not two.
   */
  private AddTaskEventsRequest drain() {
    List<TaskEvent.Builder> events = new ArrayList<>(Math.min(BATCH, size.get()));
    java.util.Map<Attempt, Integer> started = new java.util.HashMap<>();
    Pending p;
    int taken = 0;
    while (taken < BATCH && (p = queue.poll()) != null) {
      size.decrementAndGet();
      taken++;
      Attempt key = new Attempt(p.taskId, p.attempt);
      if (p.state == TaskStateProto.TASK_RUNNING) {
        started.put(key, events.size());
        events.add(wire(p));
        continue;
      }
      Integer at = p.state == TaskStateProto.TASK_SUBMITTED ? null : started.remove(key);
      if (at != null) {
        TaskEvent.Builder running = events.get(at);
        long start = running.getTimeUs();
        events.set(
            at,
            running
                .setState(p.state)
                .setTimeUs(p.timeMicros)
                .setStartTimeUs(start)
                .setErrorType(p.errorType)
                .setErrorMessage(p.errorMessage));
        continue;
      }
      events.add(wire(p));
    }
    AddTaskEventsRequest.Builder request = AddTaskEventsRequest.newBuilder();
    for (TaskEvent.Builder e : events) {
      request.addEvents(e);
    }
    return request.setReporterWorkerId(workerId).setDroppedEvents(dropped.get()).build();
  }

  private TaskEvent.Builder wire(Pending p) {
    TaskEvent.Builder e =
        TaskEvent.newBuilder()
            .setTaskId(p.taskId)
            .setAttempt(p.attempt)
            .setState(p.state)
            .setTimeUs(p.timeMicros)
            .setJobId(p.jobId)
            .setName(p.name)
            .setActorId(p.actorId)
            .setWorkerId(workerId)
            .setErrorType(p.errorType)
            .setErrorMessage(p.errorMessage);
    if (p.function != null) {
      e.setFunction(p.function.getClassName() + "." + p.function.getMethodName());
    }
    if (p.state != TaskStateProto.TASK_SUBMITTED) {
      e.setNodeId(nodeId);
    }
    return e;
  }

  /** Sends what is left (waiting up to a few seconds) and stops the sending thread. */
  @Override
  public void close() {
    if (sender == null) {
      return;
    }
    ticking.cancel(false);
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      sendBatches(true);
    } catch (RuntimeException e) {
      LOG.debug("could not send the last task events", e);
    }
  }
}
