package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The batcher when its function throws an Error, or it is closed. */
@Timeout(30)
class BatcherErrorTest {

  @Test
  void anErrorFailsItsBatchOnlyAndTheBatcherGoesOn() throws Exception {
    AtomicBoolean first = new AtomicBoolean(true);
    try (Batcher<Integer, Integer> b =
        new Batcher<>(
            xs -> {
              if (first.getAndSet(false)) {
                throw new UnsatisfiedLinkError("no native library");
              }
              return xs.stream().map(x -> x * 2).toList();
            },
            4,
            Duration.ZERO)) {
      assertThatThrownBy(() -> b.submit(1).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(UnsatisfiedLinkError.class);
      assertThat(b.submit(21).get(10, TimeUnit.SECONDS)).isEqualTo(42);
    }
  }

  @Test
  void aClosedBatcherFailsNewRequestsAtOnce() {
    Batcher<Integer, Integer> b = new Batcher<>(xs -> List.copyOf(xs));
    b.close();
    assertThatThrownBy(() -> b.submit(1).get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ServeException.class)
        .hasMessageContaining("closed");
  }
}
