package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed objects cannot be changed by a reader: writes through the API's read views throw, and a
 * reader that writes through a raw address (Arrow's setters, a segment made from the address) dies
 * alone while every other reader keeps the original bytes.
 */
@Timeout(180)
class ImmutabilityTest {

  static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  StoreServer server;
  StoreClient client;
  BufferAllocator allocator;

  @BeforeEach
  void start() {
    server = StoreTestSupport.server(tmp, 64L << 20);
    client = server.connect();
    allocator = new RootAllocator();
  }

  @AfterEach
  void stop() throws IOException {
    allocator.close();
    client.close();
    server.close();
    StoreTestSupport.assertNoShmLeak();
  }

  @Test
  void readViewsRefuseWritesWithAClearErrorAndTheBytesStayTheSame() {
    ObjectId id = ObjectId.random();
    byte[] data = StoreTestSupport.pattern(11, 100_000);
    client.putBytes(id, data, "m".getBytes());
    long expected = StoreTestSupport.checksum(MemorySegment.ofArray(data));

    try (ObjectBuffer buf = client.get(id, Duration.ofSeconds(5));
        Payload p = client.getPayload(id, Duration.ofSeconds(5))) {
      assertThat(buf.segment().isReadOnly()).isTrue();
      assertThatThrownBy(() -> buf.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> buf.segment().asByteBuffer().put(0, (byte) 1))
          .isInstanceOf(ReadOnlyBufferException.class);
      assertThatThrownBy(() -> p.data().fill((byte) 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(
              () -> MemorySegment.copy(MemorySegment.ofArray(new byte[8]), 0, p.data(), 0, 8))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
      // the whole mapping a client hands out is read-only too
      assertThat(client.mapping().isReadOnly()).isTrue();
      assertThatThrownBy(() -> client.mapping().set(ValueLayout.JAVA_LONG, 0, 1L))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
      assertThat(StoreTestSupport.checksum(p.data())).isEqualTo(expected);
    }
    try (StoreClient other = server.connect();
        Payload p = other.getPayload(id, Duration.ofSeconds(5))) {
      assertThat(StoreTestSupport.checksum(p.data())).isEqualTo(expected);
    }

    // the writer still fills and seals objects, and its segment dies at seal
    ObjectId next = ObjectId.random();
    MemorySegment written;
    try (ObjectWriter w = client.create(next, 4096)) {
      w.segment().fill((byte) 5);
      written = w.segment();
      w.seal();
    }
    assertThatThrownBy(() -> written.set(ValueLayout.JAVA_BYTE, 0, (byte) 6))
        .isInstanceOf(IllegalStateException.class);
    try (ObjectBuffer b = client.get(next, Duration.ofSeconds(5))) {
      assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) 5);
    }
  }

  @Test
  void loadingRootsOfManyVectorKindsNeverWritesIntoTheReadOnlyMapping() throws Exception {
    ObjectId id = ObjectId.random();
    String rendered;
    try (VectorSchemaRoot root = ArrowFixtures.richTable(allocator, 500)) {
      client.putRoot(id, root);
      rendered = ArrowFixtures.render(root);
    }
    // read in another JVM first: a load that wrote into the mapping would crash only that JVM
    try (var child = crashingChild("read-root", server.socketPath().toString(), id.toString())) {
      assertThat(child.awaitLine("ROWS")).isEqualTo("ROWS 500");
      assertThat(child.awaitLine("RENDER")).isEqualTo("RENDER " + rendered);
      assertThat(child.finish(CHILD_TIMEOUT)).as("exit code, output %s", child.lines).isZero();
    }
    try (ArrowObject o = client.getRoot(id, allocator, Duration.ofSeconds(5))) {
      assertThat(ArrowFixtures.render(o.root())).isEqualTo(rendered);
      assertThat(client.isInMapping(o.root().getVector("big_text").getDataBuffer().memoryAddress()))
          .isTrue();
    }
  }

  @Test
  void readersMapTheFileReadOnlyAndOnlyWritersAddAWritableMapping() throws IOException {
    String file = server.shmPath().toString();
    int[] base = mappings(file); // the server's own read-write one and `client`'s read-only one
    ObjectId id = ObjectId.random();
    try (StoreClient reader = server.connect()) {
      assertThat(mappings(file)).containsExactly(base[0] + 1, base[1]);
      client.putBytes(id, new byte[100], new byte[0]); // `client` now has a writable mapping
      assertThat(mappings(file)).containsExactly(base[0] + 1, base[1] + 1);
      try (Payload p = reader.getPayload(id, Duration.ofSeconds(5))) {
        assertThat(reader.isInMapping(p.data().address())).isTrue();
        assertThat(mappings(file))
            .as("a get maps nothing writable")
            .containsExactly(base[0] + 1, base[1] + 1);
      }
      try (ObjectWriter w = reader.create(ObjectId.random(), 100)) {
        assertThat(reader.isInMapping(w.segment().address())).isTrue();
        assertThat(mappings(file)).containsExactly(base[0] + 1, base[1] + 2);
        w.seal();
      }
    }
    assertThat(mappings(file)).as("closing unmaps both").containsExactly(base[0], base[1] + 1);
  }

  /** Counts this process's mappings of {@code file}: {read-only shared, read-write shared}. */
  private static int[] mappings(String file) throws IOException {
    int[] n = new int[2];
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      lines
          .filter(l -> l.endsWith(file))
          .forEach(
              l -> {
                String perms = l.split("\\s+")[1];
                if (perms.equals("r--s")) {
                  n[0]++;
                } else if (perms.equals("rw-s")) {
                  n[1]++;
                } else {
                  throw new AssertionError("unexpected mapping " + l);
                }
              });
    }
    return n;
  }

  @Test
  void aReaderThatWritesThroughArrowDiesAloneAndOtherReadersKeepTheOriginalBytes()
      throws Exception {
    ObjectId id = ObjectId.random();
    String tsv;
    try (VectorSchemaRoot root = ArrowFixtures.table(allocator, 1000)) {
      client.putRoot(id, root);
      tsv = root.contentToTSVString();
    }
    long bytes = objectChecksum(id);
    String socket = server.socketPath().toString();
    try (var watcher = new StoreTestSupport.Child("watch-root", socket, id.toString())) {
      String before = watcher.awaitLine("BEFORE");
      watcher.awaitLine("READY");
      assertThat(before).startsWith("BEFORE " + bytes + " ");

      try (var scribbler = crashingChild("scribble-arrow", socket, id.toString())) {
        assertThat(scribbler.awaitLine("WRITING")).isEqualTo("WRITING 3"); // id of row 1
        assertThat(scribbler.finish(CHILD_TIMEOUT)).isNotZero();
        assertThat(scribbler.lines).noneMatch(l -> l.startsWith("WROTE"));
        assertThat(String.join("\n", scribbler.lines)).contains("SIGSEGV");
        assertCrashReportNamesTheReadOnlyStore(scribbler.process.pid());
      }
      // the dead reader's pin is gone; the watcher's two remain
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(server.stats().pinnedCount()).isEqualTo(1));
      assertThat(pinsOf(id)).isEqualTo(2);

      watcher.send("go");
      assertThat(watcher.awaitLine("AFTER")).isEqualTo("AFTER" + before.substring(6) + " (go)");
      assertThat(watcher.finish(CHILD_TIMEOUT)).isZero();
    }
    assertThat(objectChecksum(id)).isEqualTo(bytes);
    try (ArrowObject o = client.getRoot(id, allocator, Duration.ofSeconds(5))) {
      assertThat(o.root().contentToTSVString()).isEqualTo(tsv);
    }
    // and the store keeps serving writers
    ObjectId next = ObjectId.random();
    try (VectorSchemaRoot root = ArrowFixtures.table(allocator, 10)) {
      client.putRoot(next, root);
    }
    client.sync();
    assertThat(client.contains(next)).isTrue();
  }

  @Test
  void aReaderThatWritesThroughARawAddressIsRefusedByTheApiThenDiesAlone() throws Exception {
    ObjectId id = ObjectId.random();
    byte[] data = StoreTestSupport.pattern(12, 200_000);
    client.putBytes(id, data, new byte[0]);
    long bytes = objectChecksum(id);
    try (var scribbler =
        crashingChild("scribble-raw", server.socketPath().toString(), id.toString())) {
      assertThat(scribbler.awaitLine("REFUSED-SEGMENT"))
          .contains("IllegalArgumentException")
          .contains("read-only");
      assertThat(scribbler.awaitLine("REFUSED-BUFFER")).contains("ReadOnlyBufferException");
      scribbler.awaitLine("WRITING raw");
      assertThat(scribbler.finish(CHILD_TIMEOUT)).isNotZero();
      assertThat(scribbler.lines).noneMatch(l -> l.startsWith("WROTE"));
      assertCrashReportNamesTheReadOnlyStore(scribbler.process.pid());
    }
    assertThat(objectChecksum(id)).isEqualTo(bytes);
    try (Payload p = client.getPayload(id, Duration.ofSeconds(5))) {
      assertThat(p.toByteArray()).isEqualTo(data);
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(server.stats().pinnedCount()).isZero());
  }

  /** A child whose crash report goes to the test's directory and that dumps no core. */
  private StoreTestSupport.Child crashingChild(String... args) throws IOException {
    return new StoreTestSupport.Child(
        List.of("-XX:ErrorFile=" + tmp.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash"),
        args);
  }

  /** The crash is a protection fault on the store file, which the dead process mapped r--s. */
  private void assertCrashReportNamesTheReadOnlyStore(long pid) throws IOException {
    Path report = tmp.resolve("hs_err_" + pid + ".log");
    assertThat(report).exists();
    String text = Files.readString(report);
    assertThat(text).contains("SIGSEGV").contains("SEGV_ACCERR");
    assertThat(text.lines())
        .anyMatch(l -> l.contains(" r--s ") && l.endsWith(server.shmPath().toString()));
    assertThat(text.lines())
        .noneMatch(l -> l.contains(" rw-s ") && l.endsWith(server.shmPath().toString()));
  }

  private long objectChecksum(ObjectId id) {
    try (ObjectBuffer b = client.get(id, Duration.ofSeconds(5))) {
      return StoreTestSupport.checksum(b.segment());
    }
  }

  private int pinsOf(ObjectId id) {
    return server.list().stream()
        .filter(i -> i.id().equals(id))
        .findFirst()
        .orElseThrow()
        .pinCount();
  }
}
