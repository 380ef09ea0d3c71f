package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.PrismException;
import dev.prism.runtime.function.FunctionDescriptor;
import dev.prism.runtime.function.FunctionInvoker;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.TaskArg;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.store.ObjectId;
import io.grpc.stub.StreamObserver;
import org.apache.arrow.vector.VectorSchemaRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.LinkedBlockingDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executing half of the task path, in a worker: takes tasks pushed by submitters, runs them
 * one at a time in arrival order on one thread, and replies on the stream they came from with a
 * small result inline or the node holding a large one.
 */
final class TaskExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

  private final CoreWorker worker;
  private final FunctionInvoker invoker;
  private final LinkedBlockingDeque<Work> queue = new LinkedBlockingDeque<>();
  private final Thread thread;
  private volatile Work current;
  private volatile boolean stopped;

  private record Work(TaskSpec spec, ReplySink sink) {}

  /** The reply side of one push stream; many threads may finish tasks, one writes at a time. */
  private static final class ReplySink {
    private final StreamObserver<PushTaskReply> observer;
    private boolean closed;

    ReplySink(StreamObserver<PushTaskReply> observer) {
      this.observer = observer;
    }

    synchronized void send(PushTaskReply reply) {
      if (!closed) {
        try {
          observer.onNext(reply);
        } catch (RuntimeException e) {
          closed = true;
          LOG.debug("a task reply could not be sent", e);
        }
      }
    }

    synchronized void complete() {
      if (!closed) {
        closed = true;
        try {
          observer.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("closing a task stream failed", e);
        }
      }
    }

    synchronized void abandon() {
      closed = true;
    }
  }

  TaskExecutor(CoreWorker worker, FunctionInvoker invoker) {
    this.worker = worker;
    this.invoker = invoker;
    this.thread = new Thread(this::run, "prism-task-executor");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> responses) {
    ReplySink sink = new ReplySink(responses);
    return new StreamObserver<>() {
      @Override
      public void onNext(PushTaskRequest request) {
        queue.add(new Work(request.getSpec(), sink));
      }

      @Override
      public void onError(Throwable t) {
        // The submitter is gone: its queued tasks will be retried elsewhere or are moot.
        sink.abandon();
        queue.removeIf(w -> w.sink == sink);
      }

      @Override
      public void onCompleted() {
        queue.add(new Work(null, sink));
      }
    };
  }

  /** Cancels a queued or running task; force ends this worker process. */
  boolean cancel(ByteString taskId, boolean force) {
    for (Work w : queue) {
      if (w.spec != null && w.spec.getTaskId().equals(taskId) && queue.remove(w)) {
        w.sink.send(PushTaskReply.newBuilder().setTaskId(taskId).setCancelled(true).build());
        return true;
      }
    }
    synchronized (cancelLock) {
      Work running = current;
      if (running != null && running.spec.getTaskId().equals(taskId)) {
        if (force) {
          LOG.warn("force-cancelling task {}: this worker exits", running.spec.getName());
          Runtime.getRuntime().halt(1);
        }
        cancelledTask = taskId;
        thread.interrupt();
        return true;
      }
    }
    return false;
  }

  private volatile ByteString cancelledTask;

  void stop() {
    stopped = true;
    thread.interrupt();
  }

  private void run() {
    while (!stopped) {
      Work work;
      try {
        work = queue.poll(IDLE_COLLECT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (work == null) {
          worker.collectIdleBorrows();
          work = queue.take();
        }
      } catch (InterruptedException e) {
        continue;
      }
      if (work.spec == null) {
        work.sink.complete();
        continue;
      }
      synchronized (cancelLock) {
        current = work;
      }
      PushTaskReply reply;
      try {
        reply = execute(work.spec);
      } catch (Throwable t) {
        // Nothing may end this thread: a worker without it would never answer again.
        reply = PushTaskReply.newBuilder().setTaskId(work.spec.getTaskId())
            .setSystemError("the worker failed while running the task: " + t).build();
        if (t instanceof VirtualMachineError) {
          LOG.error("fatal error in a task; this worker exits so its tasks run elsewhere", t);
          Runtime.getRuntime().halt(70);
        }
      }
      boolean wasCancelled;
      synchronized (cancelLock) {
        current = null;
        wasCancelled = work.spec.getTaskId().equals(cancelledTask);
        cancelledTask = null;
        Thread.interrupted();
      }
      if (wasCancelled && reply.getResult().getFormat() == ValueFormat.ERROR) {
        // Interrupted by the cancel: report it as cancelled. A task that finished anyway
        // sends its real result; the submitter discards it.
        reply = PushTaskReply.newBuilder().setTaskId(work.spec.getTaskId())
            .setCancelled(true).build();
      }
      work.sink.send(reply);
    }
  }

  /** After this long without work, an idle worker collects garbage once (see CoreWorker). */
  private static final long IDLE_COLLECT_MILLIS = 200;
  private final Object cancelLock = new Object();

  private PushTaskReply execute(TaskSpec spec) {
    ObjectId returnId = ObjectId.of(spec.getReturnId().toByteArray());
    FunctionInvoker.Target target;
    try {
      target = invoker.target(descriptor(spec.getFunction()));
    } catch (PrismException e) {
      return PushTaskReply.newBuilder().setTaskId(spec.getTaskId())
          .setSystemError(e.getMessage()).build();
    } catch (RuntimeException | LinkageError e) {
      return PushTaskReply.newBuilder().setTaskId(spec.getTaskId())
          .setSystemError("cannot load " + spec.getFunction().getClassName() + "."
              + spec.getFunction().getMethodName() + " on the worker: " + e).build();
    }
    Object result;
    long started = System.nanoTime();
    Object[] args = new Object[spec.getArgsCount()];
    try {
      // The task counts as running while its arguments are fetched, so a wait for a borrowed
      // argument lends the CPU like any other wait inside a task.
      worker.enterTask(spec);
      try {
        for (int i = 0; i < args.length; i++) {
          args[i] = resolve(spec.getArgs(i));
        }
        result = target.invoke(null, args);
      } catch (Throwable t) {
        return errorReply(spec, returnId, t);
      } finally {
        worker.exitTask();
      }
      try {
        return PushTaskReply.newBuilder().setTaskId(spec.getTaskId())
            .setResult(worker.storeReturn(returnId, result, spec.getCaller()))
            .setRunNanos(System.nanoTime() - started).build();
      } catch (RuntimeException | StackOverflowError e) {
        return errorReply(spec, returnId, e);
      }
    } finally {
      releaseSharedArguments(spec, args);
    }
  }

  /**
   * Arrow arguments passed by reference are read zero-copy and pin their object in the store;
   * they are valid for the duration of the task and released when it ends.
   */
  private static void releaseSharedArguments(TaskSpec spec, Object[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof VectorSchemaRoot root && spec.getArgs(i).hasRef()) {
        try {
          root.close();
        } catch (RuntimeException e) {
          LOG.debug("closing an Arrow argument failed", e);
        }
      }
    }
  }

  private Object resolve(TaskArg arg) {
    if (arg.hasInlineValue()) {
      return worker.codec().decode(arg.getInlineValue().toByteArray());
    }
    return worker.getForArgument(arg.getRef());
  }

  private PushTaskReply errorReply(TaskSpec spec, ObjectId returnId, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    TaskError error = new TaskError(TaskError.Kind.APPLICATION, spec.getName(),
        t.getClass().getName(), t.getMessage(), trace.toString(),
        worker.codec().serializeException(t));
    ReturnObject ret = ReturnObject.newBuilder()
        .setObjectId(ByteString.copyFrom(returnId.toBytes()))
        .setFormat(ValueFormat.ERROR)
        .setInlineValue(ByteString.copyFrom(worker.codec().encodeError(error)))
        .build();
    return PushTaskReply.newBuilder().setTaskId(spec.getTaskId()).setResult(ret).build();
  }

  static FunctionDescriptor descriptor(FunctionDescriptorProto p) {
    return new FunctionDescriptor(p.getClassName(), p.getMethodName(), p.getSignature(),
        FunctionDescriptor.Kind.values()[p.getKindValue()]);
  }
}
