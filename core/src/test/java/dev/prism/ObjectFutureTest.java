package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ObjectRef#future()}: values and errors without a waiting thread. */
@Timeout(120)
class ObjectFutureTest {

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  static int slowSquare(int x) throws InterruptedException {
    Thread.sleep(200);
    return x * x;
  }

  static int fail(String why) {
    throw new IllegalStateException(why);
  }

  static byte[] big(int mib) {
    return new byte[mib << 20];
  }

  @Test
  void completesWithATasksValue() throws Exception {
    ObjectRef<Integer> r = Prism.task(ObjectFutureTest::slowSquare, 7).remote();
    assertThat(r.future().thenApply(v -> v + 1).get(60, TimeUnit.SECONDS)).isEqualTo(50);
    // Ready already: completes at once, again.
    assertThat(r.future().getNow(-1)).isEqualTo(49);
  }

  @Test
  void completesExceptionallyWithTheTasksError() {
    ObjectRef<Integer> r = Prism.task(ObjectFutureTest::fail, "no").remote();
    assertThatThrownBy(() -> r.future().get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("no");
  }

  @Test
  void readsPutAndStoredValues() throws Exception {
    assertThat(Prism.put("here").future().get(60, TimeUnit.SECONDS)).isEqualTo("here");
    ObjectRef<byte[]> stored = Prism.task(ObjectFutureTest::big, 4).remote();
    assertThat(stored.future().get(60, TimeUnit.SECONDS)).hasSize(4 << 20);
  }
}
