package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.CancelTaskReply;
import dev.prism.runtime.rpc.CancelTaskRequest;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.CreateActorRequest;
import dev.prism.runtime.rpc.ExitReply;
import dev.prism.runtime.rpc.ExitRequest;
import dev.prism.runtime.rpc.GetObjectReply;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.UpdateBorrowersReply;
import dev.prism.runtime.rpc.UpdateBorrowersRequest;
import dev.prism.store.InvalidRequestException;
import dev.prism.store.ObjectId;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@code CoreWorkerService} this process serves: task pushes, owned objects, borrows. */
final class Service extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {

  private final CoreWorker worker;

  Service(CoreWorker worker) {
    this.worker = worker;
  }

  @Override
  public StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> responses) {
    TaskExecutor executor = worker.executor();
    if (executor == null) {
      responses.onError(
          Status.FAILED_PRECONDITION
              .withDescription("this process is a driver: it runs no tasks")
              .asRuntimeException());
      return BorrowNotifier.ignoring("push to a driver");
    }
    return executor.pushTasks(responses);
  }

  @Override
  public void getObject(GetObjectRequest request, StreamObserver<GetObjectReply> responses) {
    ObjectId id;
    try {
      id = ObjectId.of(request.getObjectId().toByteArray());
    } catch (InvalidRequestException e) {
      responses.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    CompletableFuture<StoredValue> slot = worker.memory().find(id);
    if (request.getLost() && slot != null && slot.isDone() && !slot.isCompletedExceptionally()) {
      StoredValue named = slot.getNow(null);
      String lostOn =
          request.getLostNodeId().isEmpty() && named != null
              ? named.nodeId()
              : request.getLostNodeId();
      if (named != null
          && !named.isInline()
          && !named.isError()
          && worker.reconstruct(id, lostOn)) {
        slot = worker.memory().find(id);
      }
    }
    if (slot == null) {
      GetObjectReply.Status status =
          id.high() == worker.workerLong()
              ? GetObjectReply.Status.FREED
              : GetObjectReply.Status.UNKNOWN;
      responses.onNext(GetObjectReply.newBuilder().setStatus(status).build());
      responses.onCompleted();
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    java.util.concurrent.ScheduledFuture<?> timeout = null;
    if (!slot.isDone() && request.getTimeoutMs() > 0) {
      timeout =
          worker
              .timer()
              .schedule(
                  () -> {
                    if (answered.compareAndSet(false, true)) {
                      responses.onNext(
                          GetObjectReply.newBuilder()
                              .setStatus(GetObjectReply.Status.TIMEOUT)
                              .build());
                      responses.onCompleted();
                    }
                  },
                  request.getTimeoutMs(),
                  TimeUnit.MILLISECONDS);
    }
    java.util.concurrent.ScheduledFuture<?> timer = timeout;
    slot.whenComplete(
        (value, error) -> {
          if (!answered.compareAndSet(false, true)) {
            return;
          }
          if (timer != null) {
            timer.cancel(false);
          }
          if (value == null) {
            responses.onNext(
                GetObjectReply.newBuilder().setStatus(GetObjectReply.Status.FREED).build());
          } else {
            responses.onNext(
                GetObjectReply.newBuilder()
                    .setStatus(GetObjectReply.Status.READY)
                    .setObject(value.toProto(request.getObjectId().toByteArray()))
                    .build());
          }
          responses.onCompleted();
        });
  }

  @Override
  public void updateBorrowers(
      UpdateBorrowersRequest request, StreamObserver<UpdateBorrowersReply> responses) {
    String borrower = request.getBorrower().getWorkerId();
    UpdateBorrowersReply.Builder reply = UpdateBorrowersReply.newBuilder();
    try {
      for (ByteString raw : request.getAddedList()) {
        if (!worker.references().addBorrower(ObjectId.of(raw.toByteArray()), borrower)) {
          reply.addUnknown(raw);
        }
      }
      for (ByteString raw : request.getRemovedList()) {
        worker.references().removeBorrower(ObjectId.of(raw.toByteArray()), borrower);
      }
    } catch (InvalidRequestException e) {
      responses.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    responses.onNext(reply.build());
    responses.onCompleted();
  }

  @Override
  public void cancelTask(CancelTaskRequest request, StreamObserver<CancelTaskReply> responses) {
    TaskExecutor executor = worker.executor();
    if (request.getRecursive()) {
      // Children first: a force cancel may end this process. (cancelChildren logs its failures.)
      worker.cancelChildren(request.getTaskId(), request.getForce());
    }
    boolean found = executor != null && executor.cancel(request.getTaskId(), request.getForce());
    responses.onNext(CancelTaskReply.newBuilder().setFound(found).build());
    responses.onCompleted();
  }

  @Override
  public void createActor(CreateActorRequest request, StreamObserver<CreateActorReply> responses) {
    TaskExecutor executor = worker.executor();
    if (executor == null) {
      responses.onError(
          Status.FAILED_PRECONDITION
              .withDescription("this process is a driver: it hosts no actors")
              .asRuntimeException());
      return;
    }
    if (request.getSpec().getActorId().size() != 16 || !request.getSpec().hasFunction()) {
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription("an actor creation needs a 16-byte actor id and a function")
              .asRuntimeException());
      return;
    }
    executor.createActor(request, responses);
  }

  @Override
  public void exit(ExitRequest request, StreamObserver<ExitReply> responses) {
    responses.onNext(ExitReply.getDefaultInstance());
    responses.onCompleted();
    worker.requestExit(request.getReason());
  }
}
