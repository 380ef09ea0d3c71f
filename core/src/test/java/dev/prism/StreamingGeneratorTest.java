package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Streaming generators from tasks and actors, on the real multi-process embedded cluster. */
@Timeout(180)
class StreamingGeneratorTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().numCpus(2).build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  // --- remote methods ---

  static Stream<Integer> count(int n) {
    return IntStream.range(0, n).boxed();
  }

  static List<String> words() {
    return List.of("a", "b", "c");
  }

  /** Yields one value, then waits (at most 60 s) for {@code gate} to exist, then one more. */
  static Iterator<String> gated(String gate) {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < 2;
      }

      @Override
      public String next() {
        if (i == 1) {
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (!Files.exists(Path.of(gate))) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("the gate never opened");
            }
            sleep(20);
          }
        }
        return "v" + i++;
      }
    };
  }

  /** Yields {@code n} values, appending each index to {@code log} as it is produced. */
  static Iterator<Integer> logged(int n, String log) {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public Integer next() {
        append(log, i + "\n");
        return i++;
      }
    };
  }

  static Stream<Integer> failsAfter(int good) {
    return IntStream.range(0, good + 1)
        .boxed()
        .map(
            i -> {
              if (i == good) {
                throw new IllegalStateException("value " + i + " is bad");
              }
              return i;
            });
  }

  /**
   * Yields 0..n-1; the first run (no {@code marker} yet) halts its JVM when about to yield {@code
   * crashAt}.
   */
  static Iterator<Integer> crashesOnce(int n, int crashAt, String marker) {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public Integer next() {
        if (i == crashAt && !Files.exists(Path.of(marker))) {
          append(marker, "crashed\n");
          Runtime.getRuntime().halt(3);
        }
        return i++;
      }
    };
  }

  static Iterator<long[]> bigValues(int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i -> {
              long[] out = new long[200_000];
              out[0] = i;
              out[out.length - 1] = i * 7L;
              return out;
            })
        .iterator();
  }

  static Iterator<String> returnsNull() {
    return null;
  }

  static int notAStream() {
    return 1;
  }

  static int twice(int x) {
    return 2 * x;
  }

  /** An actor that streams its history. */
  public static final class Recorder {
    private final List<String> seen = new ArrayList<>();

    public Recorder() {}

    public int add(String s) {
      seen.add(s);
      return seen.size();
    }

    public Stream<String> replay(String prefix) {
      return List.copyOf(seen).stream().map(s -> prefix + s);
    }
  }

  static void append(String file, String line) {
    try {
      Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static List<Integer> drain(ObjectRefGenerator<Integer> gen) {
    List<Integer> out = new ArrayList<>();
    while (gen.hasNext()) {
      out.add(Prism.get(gen.next(), WAIT));
    }
    return out;
  }

  static long lines(String file) throws IOException {
    Path p = Path.of(file);
    return Files.exists(p) ? Files.readAllLines(p).size() : 0;
  }

  // --- tests ---

  @Test
  void aTaskStreamsItsValuesInOrder() {
    try (ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::count, 50).remoteGenerator()) {
      assertThat(drain(gen)).containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
      assertThat(gen.consumed()).isEqualTo(50);
      assertThatThrownBy(gen::next).isInstanceOf(NoSuchElementException.class);
    }
    ObjectRefGenerator<String> words = Prism.task(StreamingGeneratorTest::words).remoteGenerator();
    assertThat(words.stream().map(r -> Prism.get(r, WAIT)).toList()).containsExactly("a", "b", "c");
  }

  @Test
  void eachValueArrivesWhileTheMethodStillRuns() throws IOException {
    Path gate = dir.resolve("gate");
    try (ObjectRefGenerator<String> gen =
        Prism.task(StreamingGeneratorTest::gated, gate.toString()).remoteGenerator()) {
      ObjectRef<String> first = gen.next(WAIT);
      assertThat(Prism.get(first, WAIT)).isEqualTo("v0");
      assertThatThrownBy(() -> gen.next(Duration.ofMillis(300)))
          .isInstanceOf(GetTimeoutException.class);
      Files.writeString(gate, "open");
      assertThat(Prism.get(gen.next(WAIT), WAIT)).isEqualTo("v1");
      assertThat(gen.hasNext()).isFalse();
    }
  }

  @Test
  void largeValuesGoThroughTheObjectStore() {
    try (ObjectRefGenerator<long[]> gen =
        Prism.task(StreamingGeneratorTest::bigValues, 4).remoteGenerator()) {
      int i = 0;
      while (gen.hasNext()) {
        long[] v = Prism.get(gen.next(), WAIT);
        assertThat(v).hasSize(200_000);
        assertThat(v[0]).isEqualTo(i);
        assertThat(v[v.length - 1]).isEqualTo(i * 7L);
        i++;
      }
      assertThat(i).isEqualTo(4);
    }
  }

  @Test
  void anErrorComesAfterTheValuesBeforeIt() {
    ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::failsAfter, 3).setMaxRetries(0).remoteGenerator();
    List<Integer> values = new ArrayList<>();
    ObjectRef<Integer> ref = null;
    while (gen.hasNext()) {
      ref = gen.next();
      try {
        values.add(Prism.get(ref, WAIT));
      } catch (TaskException e) {
        assertThat(e).hasMessageContaining("value 3 is bad");
        ref = null;
      }
    }
    assertThat(values).containsExactly(0, 1, 2);
    assertThat(ref).as("the error was the last ref").isNull();
    assertThat(gen.consumed()).isEqualTo(3);
  }

  @Test
  void theProducerPausesAtTheBackpressureBound() throws IOException {
    String log = dir.resolve("produced.txt").toString();
    try (ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::logged, 20, log)
            .setGeneratorBackpressure(3)
            .remoteGenerator()) {
      Awaitility.await("three values produced").atMost(WAIT).until(() -> lines(log) == 3);
      sleep(1_000);
      assertThat(lines(log)).as("paused at the bound while nothing is consumed").isEqualTo(3);
      assertThat(Prism.get(gen.next(), WAIT)).isZero();
      Awaitility.await("one more once one was taken").atMost(WAIT).until(() -> lines(log) == 4);
      sleep(500);
      assertThat(lines(log)).isEqualTo(4);
      assertThat(drain(gen)).containsExactlyElementsOf(IntStream.range(1, 20).boxed().toList());
      assertThat(lines(log)).isEqualTo(20);
    }
  }

  @Test
  void closingCancelsAPausedProducerAndFreesTheWorker() throws IOException {
    String log = dir.resolve("closed.txt").toString();
    ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::logged, 1_000, log)
            .setGeneratorBackpressure(2)
            .remoteGenerator();
    assertThat(Prism.get(gen.next(), WAIT)).isZero();
    Awaitility.await().atMost(WAIT).until(() -> lines(log) >= 3);
    gen.close();
    assertThat(gen.hasNext()).isFalse();
    assertThatThrownBy(gen::next).isInstanceOf(NoSuchElementException.class);
    sleep(500);
    assertThat(lines(log)).as("the producer stopped").isLessThan(10);
    // Both CPUs are free again: two tasks run at once.
    assertThat(
            Prism.get(
                List.of(
                    Prism.task(StreamingGeneratorTest::twice, 1).remote(),
                    Prism.task(StreamingGeneratorTest::twice, 2).remote()),
                WAIT))
        .containsExactly(2, 4);
  }

  @Test
  void aProducerThatDiesIsRetriedWithoutDuplicates() {
    String marker = dir.resolve("crash-retried").toString();
    try (ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::crashesOnce, 12, 6, marker)
            .setMaxRetries(2)
            .remoteGenerator()) {
      assertThat(drain(gen)).containsExactlyElementsOf(IntStream.range(0, 12).boxed().toList());
    }
    assertThat(Files.exists(Path.of(marker))).as("the first run crashed").isTrue();
  }

  @Test
  void aProducerThatDiesWithoutRetriesFailsAfterItsValues() {
    String marker = dir.resolve("crash-final").toString();
    ObjectRefGenerator<Integer> gen =
        Prism.task(StreamingGeneratorTest::crashesOnce, 12, 6, marker)
            .setMaxRetries(0)
            .remoteGenerator();
    List<Integer> values = new ArrayList<>();
    Throwable error = null;
    while (gen.hasNext()) {
      ObjectRef<Integer> ref = gen.next();
      try {
        values.add(Prism.get(ref, WAIT));
      } catch (PrismException e) {
        error = e;
      }
    }
    assertThat(error).isInstanceOf(WorkerCrashedException.class);
    assertThat(values).isEqualTo(IntStream.range(0, values.size()).boxed().toList());
    assertThat(values.size()).isLessThanOrEqualTo(6);
  }

  @Test
  void anActorMethodStreamsItsValues() {
    ActorHandle<Recorder> recorder = Prism.actor(Recorder::new).remote();
    recorder.task(Recorder::add, "x").remote();
    recorder.task(Recorder::add, "y").remote();
    try (ObjectRefGenerator<String> gen =
        recorder.task(Recorder::replay, "seen:").remoteGenerator()) {
      assertThat(gen.stream().map(r -> Prism.get(r, WAIT)).toList())
          .containsExactly("seen:x", "seen:y");
    }
    assertThat(Prism.get(recorder.task(Recorder::add, "z").remote(), WAIT)).isEqualTo(3);
    recorder.kill();
  }

  @Test
  void badUseIsRefusedClearly() {
    assertThatThrownBy(() -> Prism.task(StreamingGeneratorTest::notAStream).remoteGenerator())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns int")
        .hasMessageContaining("Iterator, an Iterable or a Stream");
    assertThatThrownBy(
            () -> Prism.task(StreamingGeneratorTest::count, 3).setGeneratorBackpressure(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backpressure is 0");
    ObjectRefGenerator<String> gen =
        Prism.task(StreamingGeneratorTest::returnsNull).setMaxRetries(0).remoteGenerator();
    ObjectRef<String> only = gen.next(WAIT);
    assertThatThrownBy(() -> Prism.get(only, WAIT))
        .isInstanceOf(TaskException.class)
        .hasMessageContaining("returned null");
    assertThat(gen.hasNext()).isFalse();
    assertThatThrownBy(() -> gen.next(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
