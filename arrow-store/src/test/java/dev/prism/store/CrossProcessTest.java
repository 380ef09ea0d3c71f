package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs as clients. */
class CrossProcessTest {

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
  void secondJvmReadsRootAndPayloadZeroCopy() throws Exception {
    ObjectId rootId = ObjectId.random();
    String tsv;
    try (VectorSchemaRoot root = ArrowFixtures.table(allocator, 1000)) {
      client.putRoot(rootId, root);
      tsv = root.contentToTSVString().replace("\n", "|");
    }
    ObjectId payloadId = ObjectId.random();
    byte[] data = StoreTestSupport.pattern(3, 1 << 20);
    client.putBytes(payloadId, data, "meta-1".getBytes());

    try (var child =
        new StoreTestSupport.Child(
            "read-root", server.socketPath().toString(), rootId.toString())) {
      assertThat(child.awaitLine("ROWS")).isEqualTo("ROWS 1000");
      assertThat(child.awaitLine("TSV")).isEqualTo("TSV " + tsv);
      assertThat(child.awaitLine("ZEROCOPY")).isEqualTo("ZEROCOPY true");
      assertThat(child.finish(CHILD_TIMEOUT)).as("exit code, output %s", child.lines).isZero();
    }
    try (var child =
        new StoreTestSupport.Child(
            "read-payload", server.socketPath().toString(), payloadId.toString())) {
      assertThat(child.awaitLine("CHECKSUM"))
          .isEqualTo("CHECKSUM " + StoreTestSupport.checksum(MemorySegment.ofArray(data)));
      assertThat(child.awaitLine("META")).isEqualTo("META meta-1");
      assertThat(child.awaitLine("ZEROCOPY")).isEqualTo("ZEROCOPY true");
      assertThat(child.finish(CHILD_TIMEOUT)).isZero();
    }
    client.sync();
    assertThat(server.stats().pinnedCount()).isZero();
  }

  @Test
  void rootWrittenBySecondJvmIsReadHereZeroCopy() throws Exception {
    ObjectId id = ObjectId.random();
    try (var child =
        new StoreTestSupport.Child("write-root", server.socketPath().toString(), id.toString())) {
      child.awaitLine("WROTE");
      assertThat(child.finish(CHILD_TIMEOUT)).isZero();
    }
    try (VectorSchemaRoot expected = ArrowFixtures.table(allocator, 1000);
        ArrowObject o = client.getRoot(id, allocator, Duration.ofSeconds(5))) {
      assertThat(o.root().contentToTSVString()).isEqualTo(expected.contentToTSVString());
      assertThat(client.isInMapping(o.root().getVector("value").getDataBuffer().memoryAddress()))
          .isTrue();
    }
  }

  @Test
  void killedClientLosesItsPinsAndItsUnsealedCreation() throws Exception {
    ObjectId pinned = ObjectId.random();
    client.putBytes(pinned, StoreTestSupport.pattern(9, 5000), new byte[0]);
    ObjectId unsealed = ObjectId.random();
    try (var child =
        new StoreTestSupport.Child(
            "hold", server.socketPath().toString(), pinned.toString(), unsealed.toString())) {
      child.awaitLine("READY");
      ObjectInfo held =
          server.list().stream().filter(i -> i.id().equals(pinned)).findFirst().orElseThrow();
      assertThat(held.pinCount()).isEqualTo(2);
      assertThat(server.list()).extracting(ObjectInfo::id).contains(unsealed).hasSize(3);
      child.process.destroyForcibly(); // kill -9
      child.process.waitFor();
    }
    // prompt, although a thread of the dead client was blocked in a 120 s get
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(server.stats().pinnedCount()).isZero();
              assertThat(server.list()).extracting(ObjectInfo::id).containsExactly(pinned);
              assertThat(server.stats().clients()).isEqualTo(1);
            });
    // the store keeps working; the aborted id can be created again
    try (ObjectWriter w = client.create(unsealed, 10)) {
      w.seal();
    }
    client.delete(pinned);
    client.sync();
    assertThat(server.stats().objectCount()).isEqualTo(1);
  }

  @Test
  void severalProcessesAndThreadsConcurrently() throws Exception {
    List<StoreTestSupport.Child> children = new ArrayList<>();
    try {
      for (int p = 0; p < 3; p++) {
        children.add(
            new StoreTestSupport.Child(
                "worker", server.socketPath().toString(), Integer.toString(p + 1), "300"));
      }
      // and threads of this JVM at the same time
      ConcurrencyTest.runThreads(server, 4, 300);
      for (StoreTestSupport.Child c : children) {
        assertThat(c.awaitLine("DONE")).isEqualTo("DONE 600");
        assertThat(c.finish(CHILD_TIMEOUT)).isZero();
      }
    } finally {
      for (StoreTestSupport.Child c : children) {
        c.close();
      }
    }
    client.sync();
    StoreStats s = server.stats();
    assertThat(s.pinnedCount()).isZero();
    assertThat(s.objectCount()).isEqualTo((3 * 600 + 4 * 300) / 2);
  }
}
