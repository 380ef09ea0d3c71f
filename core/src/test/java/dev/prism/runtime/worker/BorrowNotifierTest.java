package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.GetTimeoutException;
import dev.prism.ObjectLostException;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GetObjectReply;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.UpdateBorrowersReply;
import dev.prism.runtime.rpc.UpdateBorrowersRequest;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.store.ObjectId;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The borrow notifier against fake owners (small gRPC servers on this host that record what they
 * are told and answer gets as each test scripts): registering borrows per owner, batching
 * given-back borrows, a re-borrow cancelling a removal not sent yet, and fetching with polls, loss
 * and timeouts.
 */
class BorrowNotifierTest {

  private static final Address SELF =
      Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId("00000000000000aa").build();

  /** An owner that records borrower updates and answers gets with {@link #answer}. */
  private static final class FakeOwner extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {
    final BlockingQueue<UpdateBorrowersRequest> updates = new LinkedBlockingQueue<>();
    final BlockingQueue<GetObjectRequest> gets = new LinkedBlockingQueue<>();
    volatile Function<GetObjectRequest, GetObjectReply> answer =
        r -> status(GetObjectReply.Status.TIMEOUT);
    final Server server;
    final Address address;

    FakeOwner(String workerId) throws IOException {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(this)
              .build()
              .start();
      address =
          Address.newBuilder()
              .setHost("127.0.0.1")
              .setPort(server.getPort())
              .setWorkerId(workerId)
              .build();
    }

    @Override
    public void updateBorrowers(
        UpdateBorrowersRequest request, StreamObserver<UpdateBorrowersReply> reply) {
      updates.add(request);
      reply.onNext(UpdateBorrowersReply.getDefaultInstance());
      reply.onCompleted();
    }

    @Override
    public void getObject(GetObjectRequest request, StreamObserver<GetObjectReply> reply) {
      gets.add(request);
      reply.onNext(answer.apply(request));
      reply.onCompleted();
    }

    UpdateBorrowersRequest nextUpdate() throws InterruptedException {
      UpdateBorrowersRequest r = updates.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("an update reached the owner").isNotNull();
      return r;
    }
  }

  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final List<TaskError> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean shutdown;
  private ScheduledExecutorService timer;
  private FakeOwner ownerA;
  private FakeOwner ownerB;
  private BorrowNotifier notifier;

  @BeforeEach
  void start() throws IOException {
    timer = Executors.newSingleThreadScheduledExecutor();
    ownerA = new FakeOwner("000000000000000a");
    ownerB = new FakeOwner("000000000000000b");
    notifier =
        new BorrowNotifier(
            new BorrowNotifier.Host() {
              @Override
              public Address self() {
                return SELF;
              }

              @Override
              public Channel channelTo(Address process) {
                return channels.computeIfAbsent(
                    process.getPort(),
                    port ->
                        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
              }

              @Override
              public boolean isShutdown() {
                return shutdown;
              }

              @Override
              public StoredValue errorValue(TaskError error) {
                errors.add(error);
                return StoredValue.inline(ValueFormat.ERROR, new byte[0], List.of());
              }
            },
            timer);
  }

  @AfterEach
  void stop() throws InterruptedException {
    notifier.close();
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (FakeOwner o : List.of(ownerA, ownerB)) {
      o.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static GetObjectReply status(GetObjectReply.Status status) {
    return GetObjectReply.newBuilder().setStatus(status).build();
  }

  private static GetObjectReply ready(byte[] value) {
    return GetObjectReply.newBuilder()
        .setStatus(GetObjectReply.Status.READY)
        .setObject(
            ReturnObject.newBuilder()
                .setFormat(ValueFormat.FORY)
                .setSize(value.length)
                .setInlineValue(ByteString.copyFrom(value)))
        .build();
  }

  private static ObjectRefProto ref(ObjectId id, Address owner) {
    return ObjectRefProto.newBuilder()
        .setObjectId(ByteString.copyFrom(id.toBytes()))
        .setOwner(owner)
        .build();
  }

  private static ByteString bytes(ObjectId id) {
    return ByteString.copyFrom(id.toBytes());
  }

  /** Holds the timer's only thread until the returned latch is counted down. */
  private CountDownLatch blockTimer() {
    CountDownLatch release = new CountDownLatch(1);
    timer.execute(
        () -> {
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    return release;
  }

  private static long deadlineIn(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  @Test
  void eachOwnerIsToldOnceAboutAllItsBorrowedObjects() throws Exception {
    ObjectId a1 = ObjectId.random();
    ObjectId a2 = ObjectId.random();
    ObjectId b1 = ObjectId.random();
    Address borrower = ownerB.address.toBuilder().setWorkerId("00000000000000cc").build();
    notifier.addBorrowers(
        borrower,
        List.of(ref(a1, ownerA.address), ref(b1, ownerB.address), ref(a2, ownerA.address)));

    UpdateBorrowersRequest toA = ownerA.nextUpdate();
    assertThat(toA.getBorrower()).isEqualTo(borrower);
    assertThat(toA.getAddedList()).containsExactly(bytes(a1), bytes(a2));
    assertThat(toA.getRemovedList()).isEmpty();
    assertThat(ownerB.nextUpdate().getAddedList()).containsExactly(bytes(b1));
    assertThat(ownerA.updates).isEmpty();
  }

  @Test
  void anUnreachableOwnerDoesNotFailTheRegistration() throws Exception {
    Address gone = ownerB.address;
    ownerB.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    notifier.addBorrowers(
        SELF, List.of(ref(ObjectId.random(), gone), ref(ObjectId.random(), ownerA.address)));
    assertThat(ownerA.nextUpdate().getAddedCount()).isEqualTo(1);
  }

  @Test
  void givenBackBorrowsAreSentInOneBatchPerOwner() throws Exception {
    ObjectId a1 = ObjectId.random();
    ObjectId a2 = ObjectId.random();
    ObjectId b1 = ObjectId.random();
    CountDownLatch release = blockTimer();
    notifier.removeBorrow(ownerA.address, a1);
    notifier.removeBorrow(ownerB.address, b1);
    notifier.removeBorrow(ownerA.address, a2);
    assertThat(ownerA.updates.poll(200, TimeUnit.MILLISECONDS)).as("held for the batch").isNull();
    release.countDown();

    UpdateBorrowersRequest toA = ownerA.nextUpdate();
    assertThat(toA.getBorrower()).isEqualTo(SELF);
    assertThat(toA.getRemovedList()).containsExactly(bytes(a1), bytes(a2));
    assertThat(toA.getAddedList()).isEmpty();
    assertThat(ownerB.nextUpdate().getRemovedList()).containsExactly(bytes(b1));
    assertThat(ownerA.updates.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void borrowingAgainCancelsAGiveBackNotSentYet() throws Exception {
    ObjectId again = ObjectId.random();
    ObjectId other = ObjectId.random();
    CountDownLatch release = blockTimer();
    notifier.removeBorrow(ownerA.address, again);
    notifier.removeBorrow(ownerA.address, other);
    notifier.addBorrowers(SELF, List.of(ref(again, ownerA.address)));
    assertThat(ownerA.nextUpdate().getAddedList()).containsExactly(bytes(again));
    release.countDown();

    assertThat(ownerA.nextUpdate().getRemovedList())
        .as("the owner never hears this process left")
        .containsExactly(bytes(other));
  }

  @Test
  void anotherProcessBorrowingDoesNotCancelThisOnesGiveBack() throws Exception {
    ObjectId id = ObjectId.random();
    CountDownLatch release = blockTimer();
    notifier.removeBorrow(ownerA.address, id);
    Address other = SELF.toBuilder().setWorkerId("00000000000000dd").build();
    notifier.addBorrowers(other, List.of(ref(id, ownerA.address)));
    assertThat(ownerA.nextUpdate().getBorrower()).isEqualTo(other);
    release.countDown();
    assertThat(ownerA.nextUpdate().getRemovedList()).containsExactly(bytes(id));
  }

  @Test
  void aFetchPollsUntilTheObjectIsReady() {
    ObjectId id = ObjectId.random();
    ownerA.answer =
        r -> ownerA.gets.size() < 3 ? status(GetObjectReply.Status.TIMEOUT) : ready(new byte[] {7});
    StoredValue value =
        notifier.fetch(
            id, ownerA.address, deadlineIn(Duration.ofSeconds(20)), Duration.ofSeconds(20));
    assertThat(value.inline()).containsExactly(7);
    assertThat(ownerA.gets).hasSize(3).allMatch(r -> r.getObjectId().equals(bytes(id)));
    assertThat(ownerA.gets).allMatch(r -> !r.getLost());
  }

  @Test
  void aFetchAfterALostCopyTellsTheOwnerOnlyOnce() {
    ownerA.answer =
        r -> ownerA.gets.size() < 2 ? status(GetObjectReply.Status.TIMEOUT) : ready(new byte[] {1});
    notifier.fetch(ObjectId.random(), ownerA.address, Long.MAX_VALUE, null, "lost-node");
    List<GetObjectRequest> gets = List.copyOf(ownerA.gets);
    assertThat(gets.get(0).getLost()).isTrue();
    assertThat(gets.get(0).getLostNodeId()).isEqualTo("lost-node");
    assertThat(gets.get(1).getLost()).isFalse();
  }

  @Test
  void aFetchOfAnObjectTheOwnerFreedFailsAsLost() {
    ownerA.answer = r -> status(GetObjectReply.Status.FREED);
    ObjectId id = ObjectId.random();
    assertThatThrownBy(() -> notifier.fetch(id, ownerA.address, Long.MAX_VALUE, null))
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining(id.toString())
        .hasMessageContaining("FREED");
  }

  @Test
  void aFetchFromAnUnreachableOwnerFailsAsLost() throws Exception {
    ownerB.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    assertThatThrownBy(
            () -> notifier.fetch(ObjectId.random(), ownerB.address, Long.MAX_VALUE, null))
        .isInstanceOf(ObjectLostException.class)
        .hasMessageContaining("cannot be reached");
  }

  @Test
  void aFetchGivesUpAtItsDeadline() {
    Duration timeout = Duration.ofMillis(300);
    long started = System.nanoTime();
    assertThatThrownBy(
            () -> notifier.fetch(ObjectId.random(), ownerA.address, deadlineIn(timeout), timeout))
        .isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining("PT0.3S");
    // Not early: gRPC's deadline timer may fire a fraction of a millisecond before the deadline
    // (seen once: 299.7 ms), so a few milliseconds of slack.
    assertThat(System.nanoTime() - started)
        .isGreaterThanOrEqualTo(timeout.toNanos() - TimeUnit.MILLISECONDS.toNanos(5));
    assertThat(ownerA.gets).isNotEmpty().allMatch(r -> r.getTimeoutMs() <= 300);
  }

  @Test
  void aBackgroundFetchPollsUntilReady() throws Exception {
    ownerA.answer =
        r -> ownerA.gets.size() < 2 ? status(GetObjectReply.Status.TIMEOUT) : ready(new byte[] {9});
    StoredValue value =
        notifier.fetchAsync(ObjectId.random(), ownerA.address).get(10, TimeUnit.SECONDS);
    assertThat(value.inline()).containsExactly(9);
    assertThat(errors).isEmpty();
  }

  @Test
  void aBackgroundFetchTurnsLossIntoAnErrorValue() throws Exception {
    ownerA.answer = r -> status(GetObjectReply.Status.UNKNOWN);
    ObjectId id = ObjectId.random();
    StoredValue value = notifier.fetchAsync(id, ownerA.address).get(10, TimeUnit.SECONDS);
    assertThat(value.isError()).isTrue();
    assertThat(errors)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo(TaskError.Kind.OBJECT_LOST);
              assertThat(e.message()).contains("UNKNOWN");
            });

    ownerB.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    assertThat(notifier.fetchAsync(id, ownerB.address).get(10, TimeUnit.SECONDS).isError())
        .isTrue();
    assertThat(errors).last().satisfies(e -> assertThat(e.message()).contains("unreachable"));
  }

  @Test
  void aBackgroundFetchStopsPollingAtShutdown() throws Exception {
    CompletableFuture<StoredValue> value = notifier.fetchAsync(ObjectId.random(), ownerA.address);
    assertThat(ownerA.gets.poll(10, TimeUnit.SECONDS)).isNotNull();
    shutdown = true;
    // The owner answers each poll at once, so polls ran back to back; once the one in flight when
    // the flag was set is answered, no more are sent.
    Thread.sleep(300);
    int sent = ownerA.gets.size();
    Thread.sleep(500);
    assertThat(ownerA.gets).hasSize(sent);
    assertThat(value).isNotDone();
  }
}
