package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.worker.CoreWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects stay immutable: a task that writes into an Arrow root it read from the node's store kills
 * only its own worker (the store maps sealed objects read-only), and every other reader, in other
 * workers and in the driver, still sees the original values.
 */
@Timeout(300)
class ObjectImmutabilityTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int ROWS = 50_000; // Arrow roots always go to the shared-memory store

  @TempDir static Path crashReports;

  @BeforeAll
  static void start() {
    Prism.init(
        ClusterFixture.small()
            .workerJvmOptions(
                List.of(
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:ErrorFile=" + crashReports.resolve("hs_err_%p.log"),
                    "-XX:-CreateCoredumpOnCrash"))
            .build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /** Writes into the root's first value through Arrow (Unsafe on the shared-memory address). */
  static long scribble(VectorSchemaRoot root) {
    BigIntVector v = (BigIntVector) root.getVector("v");
    v.set(0, -1L);
    return v.get(0);
  }

  static long sum(VectorSchemaRoot root) {
    BigIntVector v = (BigIntVector) root.getVector("v");
    long s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += v.get(i);
    }
    return s;
  }

  @Test
  void aTaskWritingIntoAStoredRootKillsOnlyItsWorkerAndEveryoneElseSeesTheOriginal()
      throws IOException {
    ObjectRef<VectorSchemaRoot> ref;
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector v = new BigIntVector("v", allocator)) {
      v.allocateNew(ROWS);
      for (int i = 0; i < ROWS; i++) {
        v.set(i, i + 7L);
      }
      v.setValueCount(ROWS);
      try (VectorSchemaRoot root = VectorSchemaRoot.of(v)) {
        ref = Prism.put(root);
      }
    }
    long expected = (long) ROWS * (ROWS - 1) / 2 + 7L * ROWS;
    // a reader in another worker before, to show the object was readable there
    assertThat(Prism.get(Prism.task(ObjectImmutabilityTest::sum, ref).remote(), WAIT))
        .isEqualTo(expected);

    ObjectRef<Long> bad =
        Prism.task(ObjectImmutabilityTest::scribble, ref).setMaxRetries(0).remote();
    assertThatThrownBy(() -> Prism.get(bad, WAIT)).isInstanceOf(WorkerCrashedException.class);

    // the crash was the kernel refusing a write into the read-only mapping of the store
    List<Path> reports;
    try (Stream<Path> files = Files.list(crashReports)) {
      reports = files.filter(p -> p.getFileName().toString().startsWith("hs_err_")).toList();
    }
    assertThat(reports).hasSize(1);
    String report = Files.readString(reports.get(0));
    assertThat(report).contains("SIGSEGV").contains("SEGV_ACCERR");
    String storeFile = CoreWorker.current().storeShmPath().toString();
    assertThat(report.lines()).anyMatch(l -> l.contains(" r--s ") && l.endsWith(storeFile));

    // every other reader still sees the original values: other workers and the driver
    assertThat(Prism.get(Prism.task(ObjectImmutabilityTest::sum, ref).remote(), WAIT))
        .isEqualTo(expected);
    try (VectorSchemaRoot back = Prism.get(ref, WAIT)) {
      assertThat(((BigIntVector) back.getVector("v")).get(0)).isEqualTo(7L);
      assertThat(sum(back)).isEqualTo(expected);
      assertThat(
              CoreWorker.current()
                  .isInSharedMemory(back.getVector("v").getDataBuffer().memoryAddress()))
          .as("the driver reads the original in place")
          .isTrue();
    }
    // and writers keep storing objects
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector w = new BigIntVector("v", allocator)) {
      w.allocateNew(ROWS);
      for (int i = 0; i < ROWS; i++) {
        w.set(i, 1L);
      }
      w.setValueCount(ROWS);
      ObjectRef<VectorSchemaRoot> again;
      try (VectorSchemaRoot root = VectorSchemaRoot.of(w)) {
        again = Prism.put(root);
      }
      assertThat(Prism.get(Prism.task(ObjectImmutabilityTest::sum, again).remote(), WAIT))
          .isEqualTo(ROWS);
    }
  }
}
