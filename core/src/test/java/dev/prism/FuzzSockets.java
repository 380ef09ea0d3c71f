package dev.prism;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.store.internal.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Raw-socket helpers of the wire fuzzer: requests of the object data protocol and frames of the
 * object store's socket protocol, and reads bounded by the fuzzer's call deadline.
 */
final class FuzzSockets {

  private FuzzSockets() {}

  /** A data-port request: the handshake (with this JVM's cluster token) and the request. */
  static byte[] dataRequest(int magic, byte version, byte[] id, long offset) {
    byte[] digest = ClusterToken.processDefault().digest();
    return ByteBuffer.allocate(4 + 1 + digest.length + id.length + 8)
        .putInt(magic)
        .put(version)
        .put(digest)
        .put(id)
        .putLong(offset)
        .array();
  }

  /** Reads once with the call deadline; -1 at the end of the stream. */
  static int readWithin(SocketChannel ch, ByteBuffer into) throws IOException {
    ch.configureBlocking(true);
    var in = java.nio.channels.Channels.newInputStream(ch);
    ch.socket().setSoTimeout((int) WireFuzzTest.CALL.toMillis());
    byte[] buf = new byte[into.remaining()];
    int n = in.read(buf);
    if (n > 0) {
      into.put(buf, 0, n);
    }
    return n;
  }

  static long storeConnectionThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("prism-store-conn-") && t.isAlive())
        .count();
  }

  static byte[] hello() {
    return frame(
        Protocol.HELLO,
        ByteBuffer.allocate(24)
            .order(Protocol.ORDER)
            .putInt(Protocol.MAGIC)
            .putInt(Protocol.VERSION)
            .putLong(424242)
            .putLong(0x5eed_f00dL)
            .array());
  }

  static byte[] frame(byte op, byte... body) {
    return ByteBuffer.allocate(5 + body.length)
        .order(Protocol.ORDER)
        .putInt(1 + body.length)
        .put(op)
        .put(body)
        .array();
  }

  static byte[] frameLength(int length) {
    return ByteBuffer.allocate(8).order(Protocol.ORDER).putInt(length).putInt(0).array();
  }

  /** Reads until the peer closes; false if it stays open past the call deadline. */
  static boolean drainUntilClosed(SocketChannel ch) throws IOException {
    ch.configureBlocking(false);
    long deadline = System.nanoTime() + WireFuzzTest.CALL.toNanos();
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    while (System.nanoTime() < deadline) {
      int n;
      try {
        n = ch.read(b);
      } catch (IOException e) {
        return true;
      }
      if (n < 0) {
        return true;
      }
      b.clear();
      if (n == 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  static void readSome(SocketChannel ch) throws IOException, InterruptedException {
    ch.configureBlocking(false);
    Thread.sleep(300);
    ch.read(ByteBuffer.allocate(1 << 16));
  }
}
