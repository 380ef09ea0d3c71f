package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Batcher} on its own: how batches form, run-time changes, failures, closing. */
@Timeout(60)
class BatcherTest {

  /** Long enough that a batch only runs once it is full, on a loaded machine too. */
  private static final Duration LONG_WAIT = Duration.ofSeconds(20);

  /** Records the size of every batch and answers each input times ten. */
  private static final class TimesTen implements Batcher.BatchFunction<Integer, Integer> {
    final List<Integer> sizes = new CopyOnWriteArrayList<>();

    @Override
    public List<Integer> apply(List<Integer> inputs) {
      sizes.add(inputs.size());
      return inputs.stream().map(i -> i * 10).toList();
    }
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  /** Submits {@code from..to-1}, each from its own thread, all at once; futures in input order. */
  private static List<CompletableFuture<Integer>> submitConcurrently(
      Batcher<Integer, Integer> b, int from, int to) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<CompletableFuture<Integer>>> slots = new ArrayList<>();
    for (int i = from; i < to; i++) {
      int x = i;
      CompletableFuture<CompletableFuture<Integer>> slot = new CompletableFuture<>();
      slots.add(slot);
      Thread.ofPlatform()
          .start(
              () -> {
                try {
                  go.await();
                  slot.complete(b.submit(x));
                } catch (InterruptedException e) {
                  slot.completeExceptionally(e);
                }
              });
    }
    go.countDown();
    List<CompletableFuture<Integer>> out = new ArrayList<>();
    for (CompletableFuture<CompletableFuture<Integer>> s : slots) {
      out.add(get(s));
    }
    return out;
  }

  @Test
  void concurrentSubmissionsFormFullBatches() throws Exception {
    TimesTen fn = new TimesTen();
    try (Batcher<Integer, Integer> b = new Batcher<>(fn, 4, LONG_WAIT)) {
      List<CompletableFuture<Integer>> fs = submitConcurrently(b, 0, 12);
      for (int i = 0; i < fs.size(); i++) {
        assertThat(get(fs.get(i))).as("output of input %d", i).isEqualTo(i * 10);
      }
      assertThat(fn.sizes).containsExactly(4, 4, 4);
      assertThat(b.batches()).isEqualTo(3);
      assertThat(b.items()).isEqualTo(12);
    }
  }

  @Test
  void aLoneRequestIsAnsweredAfterAboutMaxWait() throws Exception {
    TimesTen fn = new TimesTen();
    try (Batcher<Integer, Integer> b = new Batcher<>(fn, 100, Duration.ofMillis(200))) {
      long start = System.nanoTime();
      assertThat(get(b.submit(7))).isEqualTo(70);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(millis).as("waited for the batch to fill").isGreaterThanOrEqualTo(190);
      assertThat(millis).as("but not much longer than maxWait").isLessThan(10_000);
      assertThat(fn.sizes).containsExactly(1);
    }
  }

  @Test
  void zeroWaitRunsWhatIsThere() throws Exception {
    TimesTen fn = new TimesTen();
    try (Batcher<Integer, Integer> b = new Batcher<>(fn, 100, Duration.ZERO)) {
      long start = System.nanoTime();
      assertThat(get(b.submit(1))).isEqualTo(10);
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void boundsChangedAtRunTimeTakeEffect() throws Exception {
    TimesTen fn = new TimesTen();
    try (Batcher<Integer, Integer> b = new Batcher<>(fn, 2, LONG_WAIT)) {
      for (CompletableFuture<Integer> f : submitConcurrently(b, 0, 4)) {
        get(f);
      }
      assertThat(fn.sizes).containsExactly(2, 2);

      b.setMaxBatchSize(3);
      assertThat(b.maxBatchSize()).isEqualTo(3);
      List<CompletableFuture<Integer>> fs = submitConcurrently(b, 10, 16);
      for (int i = 0; i < fs.size(); i++) {
        assertThat(get(fs.get(i))).isEqualTo((10 + i) * 10);
      }
      assertThat(fn.sizes).containsExactly(2, 2, 3, 3);

      // With the long wait a lone request would wait 20 s; the new wait answers it soon.
      b.setMaxBatchSize(50);
      b.setMaxWait(Duration.ofMillis(20));
      assertThat(b.maxWait()).isEqualTo(Duration.ofMillis(20));
      long start = System.nanoTime();
      assertThat(get(b.submit(5))).isEqualTo(50);
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
      assertThat(fn.sizes).containsExactly(2, 2, 3, 3, 1);
    }
  }

  @Test
  void aThrowingBatchFunctionFailsExactlyItsBatch() throws Exception {
    Batcher.BatchFunction<String, String> fn =
        inputs -> {
          if (inputs.contains("bad")) {
            throw new IllegalStateException("cannot take " + inputs);
          }
          return inputs.stream().map(String::toUpperCase).toList();
        };
    try (Batcher<String, String> b = new Batcher<>(fn, 3, LONG_WAIT)) {
      // One thread submits in order, so the first three make the first batch.
      List<CompletableFuture<String>> fs = new ArrayList<>();
      for (String s : List.of("x", "bad", "y", "p", "q", "r")) {
        fs.add(b.submit(s));
      }
      for (int i = 0; i < 3; i++) {
        CompletableFuture<String> f = fs.get(i);
        assertThatThrownBy(() -> get(f))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("cannot take [x, bad, y]");
      }
      assertThat(get(fs.get(3))).isEqualTo("P");
      assertThat(get(fs.get(4))).isEqualTo("Q");
      assertThat(get(fs.get(5))).isEqualTo("R");
      // The batcher goes on after a failed batch.
      b.setMaxBatchSize(1);
      assertThat(get(b.submit("z"))).isEqualTo("Z");
    }
  }

  @Test
  void theWrongNumberOfOutputsFailsTheBatchWithAClearMessage() throws Exception {
    try (Batcher<Integer, Integer> b =
        new Batcher<>(in -> in.subList(0, in.size() - 1), 2, LONG_WAIT)) {
      CompletableFuture<Integer> f1 = b.submit(1);
      CompletableFuture<Integer> f2 = b.submit(2);
      for (CompletableFuture<Integer> f : List.of(f1, f2)) {
        assertThatThrownBy(() -> get(f))
            .cause()
            .isInstanceOf(ServeException.class)
            .hasMessage(
                "the batch function returned 1 outputs for 2 inputs; it must return one output per"
                    + " input");
      }
    }
    try (Batcher<Integer, Integer> b = new Batcher<>(in -> null, 1, Duration.ZERO)) {
      assertThatThrownBy(() -> get(b.submit(1)))
          .cause()
          .isInstanceOf(ServeException.class)
          .hasMessageContaining("returned null for 1 inputs");
    }
  }

  @Test
  void closeFailsQueuedRequestsAndRefusesNewOnes() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Batcher<Integer, Integer> b =
        new Batcher<>(
            in -> {
              entered.countDown();
              never.await();
              return in;
            },
            1,
            Duration.ZERO);
    CompletableFuture<Integer> running = b.submit(1);
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Integer> queued1 = b.submit(2);
    CompletableFuture<Integer> queued2 = b.submit(3);

    b.close();

    for (CompletableFuture<Integer> f : List.of(queued1, queued2)) {
      assertThatThrownBy(() -> get(f))
          .cause()
          .isInstanceOf(ServeException.class)
          .hasMessage("the batcher is closed");
    }
    // The running batch is interrupted: its function's InterruptedException fails it.
    assertThatThrownBy(() -> get(running)).cause().isInstanceOf(InterruptedException.class);
    CompletableFuture<Integer> late = b.submit(4);
    assertThat(late).isCompletedExceptionally();
    assertThatThrownBy(() -> get(late)).hasMessageContaining("the batcher is closed");
  }

  @Test
  void badArgumentsAreRefusedWithMessages() {
    TimesTen fn = new TimesTen();
    assertThatThrownBy(() -> new Batcher<>(fn, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBatchSize is 0; it must be >= 1");
    assertThatThrownBy(() -> new Batcher<>(fn, 1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait PT-0.001S is negative");
    assertThatThrownBy(() -> new Batcher<Integer, Integer>(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("function");
    try (Batcher<Integer, Integer> b = new Batcher<>(fn)) {
      assertThat(b.maxBatchSize()).isEqualTo(Batcher.DEFAULT_MAX_BATCH_SIZE);
      assertThat(b.maxWait()).isEqualTo(Batcher.DEFAULT_MAX_WAIT);
      assertThatThrownBy(() -> b.setMaxBatchSize(-3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("maxBatchSize is -3; it must be >= 1");
      assertThatThrownBy(() -> b.setMaxWait(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("maxWait");
      // A refused change leaves the bounds as they were.
      assertThat(b.maxBatchSize()).isEqualTo(Batcher.DEFAULT_MAX_BATCH_SIZE);
      assertThat(b.maxWait()).isEqualTo(Batcher.DEFAULT_MAX_WAIT);
    }
  }
}
