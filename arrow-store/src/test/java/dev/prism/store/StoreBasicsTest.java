package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.LargeVarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreBasicsTest {

  @TempDir Path tmp;
  StoreServer server;
  StoreClient client;
  BufferAllocator allocator;

  @BeforeEach
  void start() {
    server = StoreTestSupport.server(tmp, 16L << 20);
    client = server.connect();
    allocator = new RootAllocator();
  }

  @AfterEach
  void stop() throws IOException {
    allocator.close(); // fails if a test leaked an Arrow buffer
    client.close();
    Path shm = server.shmPath();
    server.close();
    assertThat(shm).doesNotExist();
    assertThat(tmp.resolve("spill")).as("spill directory removed").doesNotExist();
    StoreTestSupport.assertNoShmLeak();
  }

  @Test
  void createSealGetReleaseDelete() {
    ObjectId id = ObjectId.random();
    try (ObjectWriter w = client.create(id, 1000)) {
      w.segment().fill((byte) 42);
      assertThat(client.contains(id)).isFalse();
      w.seal();
    }
    assertThat(client.contains(id)).isTrue();
    try (ObjectBuffer b = client.get(id, Duration.ofSeconds(1))) {
      assertThat(b.size()).isEqualTo(1000);
      assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 999)).isEqualTo((byte) 42);
      assertThat(b.segment().isReadOnly()).isTrue();
      assertThat(client.stats().pinnedCount()).isEqualTo(1);
      ObjectInfo info = client.list().getFirst();
      assertThat(info.id()).isEqualTo(id);
      assertThat(info.state()).isEqualTo(ObjectState.SEALED);
      assertThat(info.pinCount()).isEqualTo(1);
      assertThat(info.copy()).isEqualTo(CopyKind.PRIMARY);
    }
    client.sync();
    assertThat(client.stats().pinnedCount()).isZero();
    client.delete(id);
    assertThat(client.contains(id)).isFalse();
    assertThat(client.stats().usedBytes()).isZero();
  }

  @Test
  void getWaitsForTheSeal() throws Exception {
    ObjectId id = ObjectId.random();
    ObjectWriter w = client.create(id, 8);
    try (StoreClient other = server.connect()) {
      CompletableFuture<Long> got =
          CompletableFuture.supplyAsync(
              () -> {
                try (ObjectBuffer b = other.get(id, Duration.ofSeconds(10))) {
                  return b.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                }
              });
      Thread.sleep(100);
      assertThat(got).isNotDone();
      w.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1234L);
      w.seal();
      assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(1234L);
    }
  }

  @Test
  void aBlockedGetDoesNotHoldUpOtherThreadsOfTheSameClient() throws Exception {
    ObjectId later = ObjectId.random();
    ObjectWriter w = client.create(later, 8);
    CompletableFuture<Long> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try (ObjectBuffer b = client.get(later, Duration.ofSeconds(20))) {
                return b.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
              }
            });
    Thread.sleep(100);
    // meanwhile the same client serves this thread at once
    for (int i = 0; i < 100; i++) {
      ObjectId id = ObjectId.random();
      client.putBytes(id, new byte[] {(byte) i}, new byte[0]);
      try (Payload p = client.getPayload(id, Duration.ofSeconds(1))) {
        assertThat(p.toByteArray()).containsExactly((byte) i);
      }
    }
    assertThat(waiting).isNotDone();
    w.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 77L);
    w.seal();
    assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(77L);
    client.sync();
    assertThat(server.stats().clients()).as("extra connections count as one client").isEqualTo(1);
    assertThat(server.stats().pinnedCount()).isZero();
  }

  @Test
  void handlesOutliveTheirClientSafely() {
    ObjectId id = ObjectId.random();
    client.putBytes(id, new byte[] {5, 6, 7}, new byte[0]);
    StoreClient c = server.connect();
    Payload p = c.getPayload(id, Duration.ofSeconds(1));
    ArrowObject root;
    try (VectorSchemaRoot r = ArrowFixtures.table(allocator, 10)) {
      ObjectId rid = ObjectId.random();
      client.putRoot(rid, r);
      root = c.getRoot(rid, allocator, Duration.ofSeconds(1));
    }
    c.close(); // the server drops c's pins; the mapping stays until the handles close
    assertThat(p.toByteArray()).containsExactly(5, 6, 7);
    assertThat(root.root().getRowCount()).isEqualTo(10);
    assertThat(root.root().getVector("id").getObject(9)).isEqualTo(27L);
    root.close();
    p.close();
    assertThatThrownBy(() -> p.data().get(ValueLayout.JAVA_BYTE, 0))
        .isInstanceOf(IllegalStateException.class); // unmapped now: refused, not a crash
  }

  @Test
  void zeroByteObjectsAndPayloads() {
    ObjectId raw = ObjectId.random();
    try (ObjectWriter w = client.create(raw, 0)) {
      w.seal();
    }
    try (ObjectBuffer b = client.get(raw, Duration.ofSeconds(1))) {
      assertThat(b.size()).isZero();
    }
    ObjectId empty = ObjectId.random();
    client.putBytes(empty, new byte[0], new byte[0]);
    try (Payload p = client.getPayload(empty, Duration.ofSeconds(1))) {
      assertThat(p.data().byteSize()).isZero();
      assertThat(p.metadata()).isEmpty();
    }
  }

  @Test
  void payloadRoundTripIsZeroCopyAndReadableByAnyArrowReader() throws IOException {
    ObjectId id = ObjectId.random();
    byte[] data = StoreTestSupport.pattern(7, 3001);
    byte[] meta = "application/x-test".getBytes(StandardCharsets.UTF_8);
    client.putBytes(id, data, meta);
    try (Payload p = client.getPayload(id, Duration.ofSeconds(1))) {
      assertThat(p.toByteArray()).isEqualTo(data);
      assertThat(p.metadata()).isEqualTo(meta);
      assertThat(client.isInMapping(p.data().address())).isTrue();
      // a plain Arrow stream reader opens the object
      byte[] stream = p.object().segment().toArray(ValueLayout.JAVA_BYTE);
      try (ArrowStreamReader r =
          new ArrowStreamReader(
              Channels.newChannel(new java.io.ByteArrayInputStream(stream)), allocator)) {
        assertThat(r.loadNextBatch()).isTrue();
        VectorSchemaRoot root = r.getVectorSchemaRoot();
        assertThat(root.getRowCount()).isEqualTo(1);
        assertThat(((LargeVarBinaryVector) root.getVector("data")).get(0)).isEqualTo(data);
        assertThat(root.getSchema().getCustomMetadata()).containsEntry("prism.kind", "payload");
        assertThat(r.loadNextBatch()).isFalse();
      }
    }
  }

  @Test
  void payloadWrittenInPlace() {
    ObjectId id = ObjectId.random();
    try (PayloadWriter w = client.createPayload(id, 1 << 16, new byte[] {1, 2})) {
      for (int i = 0; i < 1 << 14; i++) {
        w.data().set(ValueLayout.JAVA_INT_UNALIGNED, i * 4L, i);
      }
      w.seal();
    }
    try (Payload p = client.getPayload(id, Duration.ofSeconds(1))) {
      assertThat(p.data().get(ValueLayout.JAVA_INT_UNALIGNED, 4L * 12345)).isEqualTo(12345);
      assertThat(p.metadata()).containsExactly(1, 2);
    }
  }

  @Test
  void rootRoundTripIsZeroCopyAndPinnedUntilClosed() {
    ObjectId id = ObjectId.random();
    String expected;
    try (VectorSchemaRoot root = ArrowFixtures.table(allocator, 500)) {
      client.putRoot(id, root);
      expected = root.contentToTSVString();
    }
    try (BufferAllocator reader = allocator.newChildAllocator("reader", 0, Long.MAX_VALUE);
        ArrowObject o = client.getRoot(id, reader, Duration.ofSeconds(1))) {
      assertThat(o.root().contentToTSVString()).isEqualTo(expected);
      for (FieldVector v : o.root().getFieldVectors()) {
        assertThat(client.isInMapping(v.getDataBuffer().memoryAddress())).isTrue();
      }
      client.sync();
      assertThat(server.stats().pinnedCount()).isEqualTo(1);
    }
    client.sync();
    assertThat(server.stats().pinnedCount()).isZero();
    assertThatThrownBy(() -> client.getPayload(id, Duration.ofSeconds(1)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("getRoot");
  }

  @Test
  void secondaryCopiesAreEvictedFirstAndPrimariesSpilled() {
    byte[] four = StoreTestSupport.pattern(1, 4 << 20);
    ObjectId secondary = ObjectId.random();
    try (ObjectWriter w =
        client.create(secondary, four.length, CopyKind.SECONDARY, Duration.ofSeconds(1))) {
      MemorySegment.copy(MemorySegment.ofArray(four), 0, w.segment(), 0, four.length);
      w.seal();
    }
    ObjectId[] primaries = new ObjectId[4];
    for (int i = 0; i < primaries.length; i++) {
      primaries[i] = ObjectId.random();
      client.putBytes(primaries[i], four, new byte[0]);
    }
    StoreStats s = client.stats();
    assertThat(s.evictions()).isEqualTo(1);
    assertThat(client.contains(secondary)).isFalse();
    assertThat(s.spills()).isGreaterThanOrEqualTo(1);
    for (ObjectId id : primaries) {
      try (Payload p = client.getPayload(id, Duration.ofSeconds(5))) {
        assertThat(p.toByteArray()).isEqualTo(four);
      }
    }
    assertThat(client.stats().restores()).isGreaterThanOrEqualTo(1);
    for (ObjectId id : primaries) {
      client.delete(id);
    }
    client.sync();
    try (var files = Files.list(tmp.resolve("spill").resolve(server.name() + ".spill"))) {
      assertThat(files).isEmpty();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void objectIdForms() {
    ObjectId id = ObjectId.random();
    assertThat(ObjectId.of(id.toBytes())).isEqualTo(id);
    assertThat(ObjectId.fromHex(id.toString())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThat(id.toString()).hasSize(40);
    assertThatThrownBy(() -> ObjectId.of(new byte[3]))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("3 bytes");
    assertThatThrownBy(() -> ObjectId.fromHex("xyz"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'xyz'");
  }
}
