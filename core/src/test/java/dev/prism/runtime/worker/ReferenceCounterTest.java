package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the reference counter promises, without a cluster: which holds keep an object alive (local
 * handles, submitted tasks, containing objects, borrowers), that the last one going frees an owned
 * object or gives a borrowed one back exactly once, and that a release without its hold cannot
 * steal another holder's count. Local handles are released through the registration {@link
 * ReferenceCounter#track(Object, ObjectId, Address)} returns, as the garbage collector would.
 */
class ReferenceCounterTest {

  private static final String LOCAL_ID = "00000000000000aa";
  private static final Address LOCAL = address(LOCAL_ID);
  private static final Address REMOTE = address("00000000000000bb");

  /** The listener's calls, in order, as text. */
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  /** Strong references to the tracked handles, so no collection releases them behind a test. */
  private final List<Object> handles = Collections.synchronizedList(new ArrayList<>());

  private final ReferenceCounter counter =
      new ReferenceCounter(
          LOCAL_ID,
          new ReferenceCounter.Listener() {
            @Override
            public void ownedObjectFreed(ObjectId id, List<ObjectId> contained) {
              events.add("freed " + id + " " + contained);
            }

            @Override
            public void borrowReleased(
                ObjectId id, Address owner, boolean ownerKnows, List<ObjectId> contained) {
              events.add(
                  "returned "
                      + id
                      + " to "
                      + owner.getWorkerId()
                      + (ownerKnows ? " told " : " untold ")
                      + contained);
            }
          });

  private static Address address(String workerId) {
    return Address.newBuilder().setHost("127.0.0.1").setPort(1).setWorkerId(workerId).build();
  }

  private Cleaner.Cleanable handle(ObjectId id, Address owner) {
    Object h = new Object();
    handles.add(h);
    return counter.track(h, id, owner);
  }

  @Test
  void anOwnedObjectIsFreedWhenItsLastHandleGoes() {
    ObjectId id = ObjectId.random();
    Cleaner.Cleanable first = handle(id, LOCAL);
    Cleaner.Cleanable second = handle(id, LOCAL);
    assertThat(counter.ownedCount()).isEqualTo(1);
    assertThat(counter.borrowedCount()).isZero();
    assertThat(counter.isTracked(id)).isTrue();

    first.clean();
    assertThat(events).isEmpty();
    assertThat(counter.isTracked(id)).isTrue();

    second.clean();
    assertThat(events).containsExactly("freed " + id + " []");
    assertThat(counter.isTracked(id)).isFalse();
    assertThat(counter.ownedCount()).isZero();
    assertThat(counter.size()).isZero();
  }

  @Test
  void aHandleReleasedTwiceCountsOnce() {
    ObjectId id = ObjectId.random();
    Cleaner.Cleanable first = handle(id, LOCAL);
    handle(id, LOCAL);
    first.clean();
    first.clean();
    assertThat(events).isEmpty();
    assertThat(counter.isTracked(id)).isTrue();
  }

  @Test
  void aBorrowedObjectIsGivenBackAndTheOwnerIsToldOnlyIfItKnew() {
    ObjectId untold = ObjectId.random();
    ObjectId told = ObjectId.random();
    Cleaner.Cleanable untoldHandle = handle(untold, REMOTE);
    Cleaner.Cleanable toldHandle = handle(told, REMOTE);
    assertThat(counter.borrowedCount()).isEqualTo(2);
    assertThat(counter.ownedCount()).isZero();

    assertThat(counter.claimUnregisteredBorrow(told)).isTrue();
    assertThat(counter.claimUnregisteredBorrow(told)).as("claimed once").isFalse();

    untoldHandle.clean();
    toldHandle.clean();
    assertThat(events)
        .containsExactly(
            "returned " + untold + " to 00000000000000bb untold []",
            "returned " + told + " to 00000000000000bb told []");
    assertThat(counter.borrowedCount()).isZero();
    assertThat(counter.claimUnregisteredBorrow(told)).as("released").isFalse();
  }

  @Test
  void onlyBorrowedTrackedObjectsCanBeClaimed() {
    ObjectId owned = ObjectId.random();
    handle(owned, LOCAL);
    assertThat(counter.claimUnregisteredBorrow(owned)).isFalse();
    assertThat(counter.claimUnregisteredBorrow(ObjectId.random())).isFalse();
  }

  @Test
  void aSubmittedTaskKeepsItsArgumentsAfterTheirHandlesGo() {
    ObjectId id = ObjectId.random();
    Cleaner.Cleanable h = handle(id, LOCAL);
    counter.addSubmitted(List.of(id));
    counter.addSubmitted(List.of(id));

    h.clean();
    counter.removeSubmitted(List.of(id));
    assertThat(events).isEmpty();
    assertThat(counter.isTracked(id)).isTrue();

    counter.removeSubmitted(List.of(id));
    assertThat(events).containsExactly("freed " + id + " []");
  }

  @Test
  void submittingAnUntrackedObjectHoldsNothing() {
    ObjectId id = ObjectId.random();
    counter.addSubmitted(List.of(id));
    assertThat(counter.isTracked(id)).isFalse();
    assertThat(counter.size()).isZero();
    counter.removeSubmitted(List.of(id));
    assertThat(counter.size()).isZero();
    assertThat(events).isEmpty();
  }

  @Test
  void aReleaseWithoutItsHoldCannotStealAnotherHoldersCount() {
    ObjectId id = ObjectId.random();
    Cleaner.Cleanable h = handle(id, LOCAL);
    counter.addSubmitted(List.of(id));
    counter.removeSubmitted(List.of(id));
    counter.removeSubmitted(List.of(id)); // one too many: ignored
    assertThat(events).as("the handle still holds it").isEmpty();
    assertThat(counter.isTracked(id)).isTrue();

    h.clean();
    assertThat(events).as("not kept forever by a negative count").hasSize(1);
  }

  @Test
  void borrowersKeepAnOwnedObjectUntilTheLastOneLetsGo() {
    ObjectId id = ObjectId.random();
    Cleaner.Cleanable h = handle(id, LOCAL);
    assertThat(counter.addBorrower(id, "w1")).isTrue();
    assertThat(counter.addBorrower(id, "w1")).as("same borrower again").isTrue();
    assertThat(counter.addBorrower(id, "w2")).isTrue();

    h.clean();
    counter.removeBorrower(id, "w1");
    counter.removeBorrower(id, "unknown");
    assertThat(events).isEmpty();

    counter.removeBorrower(id, "w2");
    assertThat(events).containsExactly("freed " + id + " []");
    assertThat(counter.addBorrower(id, "w3")).as("freed objects take no borrowers").isFalse();
    counter.removeBorrower(id, "w2");
    assertThat(events).hasSize(1);
  }

  @Test
  void onlyOwnedTrackedObjectsTakeBorrowers() {
    ObjectId borrowed = ObjectId.random();
    handle(borrowed, REMOTE);
    assertThat(counter.addBorrower(borrowed, "w1")).isFalse();
    assertThat(counter.addBorrower(ObjectId.random(), "w1")).isFalse();
  }

  @Test
  void containedObjectsLiveAsLongAsTheirContainerAndAreReleasedAfterIt() {
    ObjectId outer = ObjectId.random();
    ObjectId ownedInner = ObjectId.random();
    ObjectId borrowedInner = ObjectId.random();
    Cleaner.Cleanable outerHandle = handle(outer, LOCAL);
    counter.holdContained(outer, List.of(ownedInner, borrowedInner), List.of(LOCAL, REMOTE));
    assertThat(counter.isTracked(ownedInner)).isTrue();
    assertThat(counter.isTracked(borrowedInner)).isTrue();
    assertThat(counter.claimUnregisteredBorrow(borrowedInner))
        .as("the owner registered the container's borrows itself")
        .isFalse();

    outerHandle.clean();
    assertThat(events)
        .containsExactly(
            "freed " + outer + " [" + ownedInner + ", " + borrowedInner + "]",
            "freed " + ownedInner + " []",
            "returned " + borrowedInner + " to 00000000000000bb told []");
    assertThat(counter.size()).isZero();
  }

  @Test
  void aContainedObjectWithItsOwnHandleOutlivesItsContainer() {
    ObjectId outer = ObjectId.random();
    ObjectId inner = ObjectId.random();
    Cleaner.Cleanable outerHandle = handle(outer, LOCAL);
    Cleaner.Cleanable innerHandle = handle(inner, LOCAL);
    counter.holdContained(outer, List.of(inner), List.of(LOCAL));

    outerHandle.clean();
    assertThat(events).containsExactly("freed " + outer + " [" + inner + "]");
    assertThat(counter.isTracked(inner)).isTrue();

    innerHandle.clean();
    assertThat(events).last().isEqualTo("freed " + inner + " []");
  }

  @Test
  void nestedObjectsAreReleasedFromTheOutsideIn() {
    ObjectId a = ObjectId.random();
    ObjectId b = ObjectId.random();
    ObjectId c = ObjectId.random();
    Cleaner.Cleanable outer = handle(a, LOCAL);
    Cleaner.Cleanable middle = handle(b, LOCAL);
    counter.holdContained(b, List.of(c), List.of(REMOTE));
    counter.holdContained(a, List.of(b), List.of(LOCAL));
    middle.clean();
    assertThat(events).isEmpty();

    outer.clean();
    assertThat(events)
        .containsExactly(
            "freed " + a + " [" + b + "]",
            "freed " + b + " [" + c + "]",
            "returned " + c + " to 00000000000000bb told []");
  }

  @Test
  void objectsContainedInAnUntrackedContainerAreReleasedAtOnce() {
    ObjectId inner = ObjectId.random();
    counter.holdContained(ObjectId.random(), List.of(inner), List.of(REMOTE));
    assertThat(events).containsExactly("returned " + inner + " to 00000000000000bb told []");
    assertThat(counter.size()).isZero();
  }

  @Test
  void anObjectTrackedAgainAfterItWasFreedStartsAfresh() {
    ObjectId id = ObjectId.random();
    handle(id, LOCAL).clean();
    Cleaner.Cleanable again = handle(id, LOCAL);
    assertThat(counter.isTracked(id)).isTrue();
    assertThat(counter.ownedCount()).isEqualTo(1);
    again.clean();
    assertThat(events).containsExactly("freed " + id + " []", "freed " + id + " []");
  }

  @Test
  void aCollectedHandleReleasesItsReference() {
    ObjectId id = ObjectId.random();
    counter.track(new Object(), id, LOCAL); // unreachable at once
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              System.gc();
              return !events.isEmpty();
            });
    assertThat(events).containsExactly("freed " + id + " []");
  }

  @Test
  void concurrentHoldsAndReleasesLeaveNothingBehind() throws Exception {
    ObjectId id = ObjectId.random();
    int threads = 4;
    int rounds = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < rounds; i++) {
                    Cleaner.Cleanable h = handle(id, LOCAL);
                    counter.addSubmitted(List.of(id));
                    h.clean();
                    counter.removeSubmitted(List.of(id));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counter.isTracked(id)).isFalse();
    assertThat(counter.ownedCount()).isZero();
    assertThat(counter.size()).isZero();
    assertThat(events).isNotEmpty().allMatch(e -> e.equals("freed " + id + " []"));
  }
}
