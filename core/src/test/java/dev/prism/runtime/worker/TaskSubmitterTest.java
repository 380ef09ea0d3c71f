package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.TaskArg;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.store.ObjectId;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The task submitter's owner-side bookkeeping with a plain Java host: how arguments travel, what a
 * reply, a worker's death, a shutdown do to a task (results recorded, retries, errors), and the
 * lineage that keeps a stored result's arguments until the result is freed or rebuilt.
 */
class TaskSubmitterTest {

  private static final String SELF_ID = "00000000000000aa";
  private static final Address SELF =
      Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId(SELF_ID).build();
  private static final Address OTHER =
      Address.newBuilder().setHost("127.0.0.1").setPort(2).setWorkerId("00000000000000bb").build();

  /** The process the submitter runs in, recording what it is asked to do. */
  private final class FakeHost implements TaskSubmitter.Host {
    volatile boolean shutdown;
    final Map<ObjectId, StoredValue> recorded = new ConcurrentHashMap<>();
    final List<StoredValue> discarded = new CopyOnWriteArrayList<>();
    final List<ValueCodec.Encoded> puts = new CopyOnWriteArrayList<>();
    long sequence;

    @Override
    public void checkAlive() {}

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public long workerLong() {
      return 0xaa;
    }

    @Override
    public synchronized long nextSequence() {
      return ++sequence;
    }

    @Override
    public String workerId() {
      return SELF_ID;
    }

    @Override
    public Address address() {
      return SELF;
    }

    @Override
    public ByteString currentJobId() {
      return ByteString.EMPTY;
    }

    @Override
    public String namespace() {
      return "default";
    }

    @Override
    public ObjectRefImpl<?> newOwnedRef(ObjectId id) {
      return new ObjectRefImpl<>(session, id, SELF);
    }

    @Override
    public ObjectRefImpl<?> putEncoded(ValueCodec.Encoded encoded) {
      puts.add(encoded);
      return newOwnedRef(ObjectId.random());
    }

    @Override
    public void recordResult(ObjectId id, StoredValue value) {
      recorded.put(id, value);
      memory.complete(id, value); // as the owner's result table does
    }

    @Override
    public void discardReply(ObjectId id, StoredValue value) {
      discarded.add(value);
    }

    @Override
    public boolean cancelActorCall(PendingTask task, boolean force) {
      throw new AssertionError("no actor calls here");
    }

    @Override
    public void cancelRemote(Address worker, ByteString taskId, boolean force, boolean recursive) {
      throw new AssertionError("no task runs remotely here");
    }

    @Override
    public NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager() {
      throw new AssertionError("no lease is asked for here");
    }

    @Override
    public io.grpc.ManagedChannel channelTo(Address address) {
      throw new AssertionError("no process is called here");
    }

    @Override
    public void forgetChannel(Address address) {}
  }

  private final FakeHost host = new FakeHost();
  private final MemoryStore memory = new MemoryStore();
  private final ReferenceCounter references =
      new ReferenceCounter(
          SELF_ID,
          new ReferenceCounter.Listener() {
            @Override
            public void ownedObjectFreed(ObjectId id, List<ObjectId> contained) {}

            @Override
            public void borrowReleased(
                ObjectId id, Address owner, boolean ownerKnows, List<ObjectId> contained) {}
          });
  private final ObjectRefImpl.Session session =
      new ObjectRefImpl.Session() {
        @Override
        public <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
          throw new AssertionError("no get here");
        }

        @Override
        public boolean isShutdown() {
          return host.shutdown;
        }

        @Override
        public ReferenceCounter references() {
          return references;
        }
      };
  private final ValueCodec codec =
      new ValueCodec(new ObjectSerializer(getClass().getClassLoader()), refs -> {});
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final TaskSubmitter submitter =
      new TaskSubmitter(host, memory, references, codec, timer, WorkerTuning.defaults());

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void argumentsTravelInlineByReferenceOrStored() {
    List<ObjectId> held = new ArrayList<>();
    List<ObjectRefProto> dependencies = new ArrayList<>();
    List<ObjectRefImpl<?>> keepAlive = new ArrayList<>();

    TaskArg small = submitter.toArg("small", held, dependencies, keepAlive);
    assertThat(codec.decode(small.getInlineValue().toByteArray())).isEqualTo("small");

    ObjectRefImpl<?> ready = host.newOwnedRef(ObjectId.random());
    memory.slot(ready.objectId()).complete(inline("ready"));
    TaskArg readyArg = submitter.toArg(ready, held, dependencies, keepAlive);
    assertThat(readyArg.hasRef()).as("a small ready owned value is inlined").isFalse();
    assertThat(codec.decode(readyArg.getInlineValue().toByteArray())).isEqualTo("ready");

    ObjectRefImpl<?> pending = host.newOwnedRef(ObjectId.random());
    memory.slot(pending.objectId());
    TaskArg pendingArg = submitter.toArg(pending, held, dependencies, keepAlive);
    assertThat(pendingArg.getRef()).isEqualTo(Ids.toProto(pending));

    ObjectRefImpl<?> borrowed = new ObjectRefImpl<>(session, ObjectId.random(), OTHER);
    TaskArg borrowedArg = submitter.toArg(borrowed, held, dependencies, keepAlive);
    assertThat(borrowedArg.getRef()).isEqualTo(Ids.toProto(borrowed));

    TaskArg large = submitter.toArg(new int[40_000], held, dependencies, keepAlive);
    assertThat(large.hasRef()).as("a large value is stored and passed by reference").isTrue();
    assertThat(host.puts).hasSize(1);
    assertThat(host.puts.getFirst().format()).isEqualTo(ValueFormat.PRIMITIVE_ARRAY);

    assertThat(dependencies)
        .as("only the owned pending ref is waited for")
        .containsExactly(Ids.toProto(pending));
    assertThat(held)
        .containsExactly(
            ready.objectId(),
            pending.objectId(),
            borrowed.objectId(),
            Ids.objectId(large.getRef()));
  }

  @Test
  void aReplyWithAResultRecordsIt() {
    PendingTask task = registered(0, false);
    StoredValue value = inline(42);
    assertThat(submitter.onReply(task, reply(value, task))).isNull();
    assertThat(decode(host.recorded.get(task.returnId))).isEqualTo(42);
    assertThat(submitter.pendingCount()).isZero();
  }

  @Test
  void anApplicationErrorIsRetriedOnlyWhenAskedAndWhileRetriesLast() {
    PendingTask task = registered(1, true);
    StoredValue error = error(TaskError.Kind.APPLICATION, "boom");
    assertThat(submitter.onReply(task, reply(error, task))).as("retried").isSameAs(task);
    assertThat(task.retriesLeft).isZero();
    assertThat(task.attempt).isEqualTo(1);
    assertThat(host.discarded).singleElement().satisfies(v -> assertSameValue(v, error));
    assertThat(host.recorded).isEmpty();

    assertThat(submitter.onReply(task, reply(error, task))).as("out of retries").isNull();
    assertSameValue(host.recorded.get(task.returnId), error);

    PendingTask noRetry = registered(3, false);
    assertThat(submitter.onReply(noRetry, reply(error, noRetry))).isNull();
    assertSameValue(host.recorded.get(noRetry.returnId), error);
  }

  @Test
  void aSystemErrorFailsTheTaskWithoutRetry() {
    PendingTask task = registered(3, true);
    assertThat(
            submitter.onReply(task, PushTaskReply.newBuilder().setSystemError("no class").build()))
        .isNull();
    TaskError error = codec.decodeError(host.recorded.get(task.returnId).inline());
    assertThat(error.kind()).isEqualTo(TaskError.Kind.SYSTEM);
    assertThat(error.message()).contains("no class");
  }

  @Test
  void aReplyToACancelledTaskIsDiscardedAndTheTaskFailsCancelled() {
    PendingTask task = registered(0, false);
    task.cancelled = true;
    StoredValue value = inline("late");
    assertThat(submitter.onReply(task, reply(value, task))).isNull();
    assertThat(host.discarded).singleElement().satisfies(v -> assertSameValue(v, value));
    assertThat(codec.decodeError(host.recorded.get(task.returnId).inline()).kind())
        .isEqualTo(TaskError.Kind.CANCELLED);
  }

  @Test
  void aDeadWorkerRetriesTheTaskThenFailsItUnlessShuttingDown() {
    Lease lease = new Lease(ByteString.copyFromUtf8("l"), OTHER, 4242, null, System.nanoTime());
    PendingTask task = registered(1, false);
    assertThat(submitter.onWorkerDied(task, lease, "killed")).isSameAs(task);
    assertThat(submitter.onWorkerDied(task, lease, "killed")).isNull();
    TaskError error = codec.decodeError(host.recorded.get(task.returnId).inline());
    assertThat(error.kind()).isEqualTo(TaskError.Kind.WORKER_CRASHED);
    assertThat(error.message()).contains("pid 4242").contains("killed").contains("attempts: 2");

    host.shutdown = true;
    PendingTask duringShutdown = registered(5, false);
    assertThat(submitter.onWorkerDied(duringShutdown, lease, "shutdown")).isNull();
    assertThat(host.recorded).containsKey(duringShutdown.returnId);
  }

  @Test
  void failAllFailsEveryPendingTask() {
    PendingTask a = registered(0, false);
    PendingTask b = registered(2, true);
    submitter.failAll("Prism was shut down");
    for (PendingTask t : List.of(a, b)) {
      TaskError error = codec.decodeError(host.recorded.get(t.returnId).inline());
      assertThat(error.kind()).isEqualTo(TaskError.Kind.WORKER_CRASHED);
      assertThat(error.message()).contains("Prism was shut down");
    }
    assertThat(submitter.pendingCount()).isZero();
  }

  @Test
  void aStoredResultKeepsItsArgumentsAsLineageUntilItIsFreed() {
    ObjectId arg = ObjectId.random();
    Cleaner.Cleanable handle = references.track(new Object(), arg, SELF);
    PendingTask task = registered(1, false, arg);
    handle.clean(); // the user's handle goes: the task holds the argument
    assertThat(references.isTracked(arg)).isTrue();

    memory.slot(task.returnId);
    submitter.finish(task, StoredValue.inStore(ValueFormat.FORY, "node-a", 1000, List.of()));
    assertThat(references.isTracked(arg)).as("held by the lineage").isTrue();

    submitter.forgetLineage(task.returnId);
    assertThat(references.isTracked(arg)).as("released with the lineage").isFalse();
  }

  @Test
  void anInlineResultLetsItsArgumentsGoAtOnce() {
    ObjectId arg = ObjectId.random();
    Cleaner.Cleanable handle = references.track(new Object(), arg, SELF);
    PendingTask task = registered(1, false, arg);
    handle.clean();
    memory.slot(task.returnId);
    submitter.finish(task, inline("small"));
    assertThat(references.isTracked(arg)).isFalse();
  }

  @Test
  void aResultIsRebuiltOnlyFromLineageWithRetriesLeft() {
    assertThat(submitter.reconstruct(ObjectId.random(), "node-a")).as("no lineage").isFalse();

    PendingTask task = registered(0, false);
    memory.slot(task.returnId);
    StoredValue stored = StoredValue.inStore(ValueFormat.FORY, "node-a", 1000, List.of());
    submitter.finish(task, stored);
    assertThat(submitter.reconstruct(task.returnId, "node-b"))
        .as("the copy that was lost is not the current one: read the current one")
        .isTrue();
    assertThat(submitter.reconstruct(task.returnId, "node-a")).as("out of retries").isFalse();
    assertThat(memory.find(task.returnId).getNow(null)).as("not reopened").isEqualTo(stored);
  }

  // ------------------------------------------------------------------ helpers

  private PendingTask registered(int maxRetries, boolean retryExceptions, ObjectId... held) {
    ObjectId returnId = ObjectId.random();
    List<ObjectId> heldRefs = List.of(held);
    references.addSubmitted(heldRefs);
    PendingTask task =
        new PendingTask(
            TaskSpec.newBuilder().setTaskId(ByteString.copyFrom(returnId.toBytes())),
            returnId,
            "task",
            heldRefs,
            List.of(),
            maxRetries,
            retryExceptions);
    submitter.register(task);
    return task;
  }

  private StoredValue inline(Object value) {
    return StoredValue.inline(ValueFormat.FORY, codec.encode(value).bytes(), List.of());
  }

  private StoredValue error(TaskError.Kind kind, String message) {
    return StoredValue.inline(
        ValueFormat.ERROR, codec.encodeError(TaskError.system(kind, "task", message)), List.of());
  }

  private static void assertSameValue(StoredValue actual, StoredValue expected) {
    assertThat(actual.format()).isEqualTo(expected.format());
    assertThat(actual.inline()).isEqualTo(expected.inline());
  }

  private Object decode(StoredValue value) {
    return codec.decode(value.inline());
  }

  private static PushTaskReply reply(StoredValue value, PendingTask task) {
    return PushTaskReply.newBuilder().setResult(value.toProto(task.returnId.toBytes())).build();
  }
}
