package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {

  @TempDir Path tmp;
  StoreServer server;
  StoreClient client;

  @BeforeEach
  void start() {
    server = StoreTestSupport.server(tmp, 8L << 20);
    client = server.connect();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    server.close();
    StoreTestSupport.assertNoShmLeak();
  }

  private ObjectId sealed(int size) {
    ObjectId id = ObjectId.random();
    try (ObjectWriter w = client.create(id, size)) {
      w.seal();
    }
    return id;
  }

  @Test
  void unknownId() {
    ObjectId id = ObjectId.random();
    assertThatThrownBy(() -> client.get(id, Duration.ofMillis(100)))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining(id.toString());
    assertThatThrownBy(() -> client.delete(id))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining(id.toString());
    assertThat(client.contains(id)).isFalse();
  }

  @Test
  void doubleSealAndAbortAfterSeal() {
    ObjectId id = ObjectId.random();
    ObjectWriter w = client.create(id, 16);
    w.seal();
    assertThatThrownBy(w::seal)
        .isInstanceOf(ObjectAlreadySealedException.class)
        .hasMessageContaining(id.toString());
    assertThatThrownBy(w::abort).isInstanceOf(ObjectAlreadySealedException.class);
    w.close(); // no-op after seal
    assertThat(client.contains(id)).isTrue();
  }

  @Test
  void writeAfterSealThrows() {
    ObjectId id = ObjectId.random();
    ObjectWriter w = client.create(id, 16);
    w.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
    w.seal();
    assertThatThrownBy(() -> w.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 2))
        .isInstanceOf(IllegalStateException.class);
    try (ObjectBuffer b = client.get(id, Duration.ofSeconds(1))) {
      assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
      assertThatThrownBy(() -> b.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read-only");
    }
  }

  @Test
  void getAfterDeleteAndDeleteWhilePinned() {
    ObjectId id = sealed(100);
    ObjectBuffer pinned = client.get(id, Duration.ofSeconds(1));
    client.delete(id);
    assertThatThrownBy(() -> client.get(id, Duration.ofMillis(100)))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThat(client.stats().usedBytes()).isPositive(); // still pinned
    pinned.close();
    client.sync();
    assertThat(client.stats().usedBytes()).isZero();
    // the id can be reused after delete
    sealed(10);
  }

  @Test
  void createExistingIdAndTimeouts() {
    ObjectId id = sealed(8);
    assertThatThrownBy(() -> client.create(id, 8))
        .isInstanceOf(ObjectExistsException.class)
        .hasMessageContaining(id.toString());
    ObjectId unsealed = ObjectId.random();
    try (ObjectWriter w = client.create(unsealed, 8)) {
      assertThatThrownBy(() -> client.get(unsealed, Duration.ofMillis(50)))
          .isInstanceOf(StoreTimeoutException.class)
          .hasMessageContaining(unsealed.toString());
      assertThatThrownBy(() -> client.delete(unsealed))
          .isInstanceOf(ObjectNotSealedException.class);
    } // closing without seal aborts
    assertThat(client.list()).extracting(ObjectInfo::id).containsExactly(id);
  }

  @Test
  void negativeAndAbsurdSizes() {
    assertThatThrownBy(() -> client.create(ObjectId.random(), -1))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> client.create(ObjectId.random(), Long.MAX_VALUE))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("capacity");
    assertThatThrownBy(() -> client.create(ObjectId.random(), (8L << 20) + 1))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("capacity");
    assertThatThrownBy(() -> client.createPayload(ObjectId.random(), -5, new byte[0]))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> client.get(ObjectId.random(), Duration.ofSeconds(-1)))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> StoreConfig.builder().capacity(10).build())
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("10");
  }

  @Test
  void fullStoreOfPinnedObjectsFailsAfterTheTimeoutAndThenRecovers() {
    ObjectId big = sealed(6 << 20);
    ObjectBuffer pin = client.get(big, Duration.ofSeconds(1));
    assertThatThrownBy(
            () ->
                client.create(ObjectId.random(), 4 << 20, CopyKind.PRIMARY, Duration.ofMillis(200)))
        .isInstanceOf(StoreFullException.class)
        .hasMessageContaining("release or delete");
    ObjectWriter unsealed = client.create(ObjectId.random(), 1 << 20);
    assertThatThrownBy(
            () ->
                client.create(ObjectId.random(), 2 << 20, CopyKind.PRIMARY, Duration.ofMillis(100)))
        .isInstanceOf(StoreFullException.class);
    unsealed.abort();
    pin.close();
    // now the big object can be spilled to make room
    try (ObjectWriter w = client.create(ObjectId.random(), 4 << 20)) {
      w.seal();
    }
    assertThat(client.stats().spills()).isEqualTo(1);
  }

  @Test
  void createWaitsForSpaceFreedByAnotherClient() throws Exception {
    ObjectId big = sealed(6 << 20);
    try (StoreClient other = server.connect()) {
      ObjectBuffer pin = other.get(big, Duration.ofSeconds(1));
      Thread releaser =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      Thread.sleep(200);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    pin.close();
                  });
      try (ObjectWriter w =
          client.create(ObjectId.random(), 4 << 20, CopyKind.PRIMARY, Duration.ofSeconds(10))) {
        w.seal();
      }
      releaser.join();
    }
  }

  @Test
  void garbageOnTheSocketDropsOnlyThatConnection() throws Exception {
    Random r = new Random(1);
    for (int attempt = 0; attempt < 3; attempt++) {
      try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        raw.connect(UnixDomainSocketAddress.of(server.socketPath()));
        byte[] junk = new byte[256];
        r.nextBytes(junk);
        if (attempt == 1) { // a plausible length, then an unknown op before HELLO
          ByteBuffer.wrap(junk)
              .order(java.nio.ByteOrder.nativeOrder())
              .putInt(0, 8)
              .put(4, (byte) 99);
        }
        raw.write(ByteBuffer.wrap(junk));
        ByteBuffer in = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int n;
        do { // the server answers with an error frame, then closes
          n = raw.read(in);
        } while (n >= 0 && System.nanoTime() < deadline);
        assertThat(n).as("server closed the garbage connection").isEqualTo(-1);
      }
    }
    // a client that lies about the protocol inside a valid frame
    try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      raw.connect(UnixDomainSocketAddress.of(server.socketPath()));
      ByteBuffer hello = ByteBuffer.allocate(29).order(java.nio.ByteOrder.nativeOrder());
      hello.putInt(25).put((byte) 1).putInt(0xBAD).putInt(1).putLong(1).putLong(2).flip();
      raw.write(hello);
      ByteBuffer in = ByteBuffer.allocate(4096);
      while (raw.read(in) >= 0) {
        assertThat(in.position()).isLessThan(4096);
      }
      assertThat(new String(in.array(), 0, in.position(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("bad magic");
    }
    // everyone else is still served
    ObjectId id = ObjectId.random();
    client.putBytes(id, new byte[] {1, 2, 3}, new byte[0]);
    try (Payload p = client.getPayload(id, Duration.ofSeconds(1))) {
      assertThat(p.toByteArray()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void releaseWithoutPinIsReportedOnSync() {
    ObjectId id = sealed(8);
    ObjectBuffer b = client.get(id, Duration.ofSeconds(1));
    b.close();
    b.close(); // idempotent on the handle
    client.sync();
    try (StoreClient other = server.connect()) {
      // seal of an object this client does not own: one-way, surfaced by sync
      ObjectId foreign = ObjectId.random();
      try (ObjectWriter w = client.create(foreign, 8)) {
        other.channel().oneWay(dev.prism.store.internal.Protocol.SEAL, foreign);
        assertThatThrownBy(other::sync)
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("only its creator may seal");
        w.seal();
      }
    }
  }

  @Test
  void closedClientAndServer() {
    StoreClient c = server.connect();
    c.close();
    assertThatThrownBy(() -> c.create(ObjectId.random(), 8))
        .isInstanceOf(StoreClosedException.class)
        .hasMessageContaining("closed");
  }
}
