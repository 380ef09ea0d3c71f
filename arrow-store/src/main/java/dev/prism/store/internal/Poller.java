package dev.prism.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Non-blocking reads and writes on one socket that first spin briefly (a request or reply on a
 * local socket usually arrives within microseconds) and only then block in a selector. Spinning
 * saves the two thread wake-ups of a blocking round trip, which dominate small-object latency.
 * Internal: not part of the API.
 */
final class Poller implements AutoCloseable {

  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private final long spinNanos;

  Poller(SocketChannel channel, long spinNanos) throws IOException {
    this.channel = channel;
    this.spinNanos = spinNanos;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    this.key = channel.register(selector, SelectionKey.OP_READ);
  }

  /**
   * Reads at least one byte, or returns -1 at end of stream.
   *
   * @param buf the buffer (in write mode, with room)
   * @return bytes read, or -1
   */
  int read(ByteBuffer buf) throws IOException {
    int n = channel.read(buf);
    if (n != 0) {
      return n;
    }
    long deadline = System.nanoTime() + spinNanos;
    do {
      Thread.yield(); // lets the peer run if it shares this core
      n = channel.read(buf);
      if (n != 0) {
        return n;
      }
    } while (System.nanoTime() < deadline);
    while (true) {
      key.interestOps(SelectionKey.OP_READ);
      selector.select();
      selector.selectedKeys().clear();
      if (!channel.isOpen()) {
        return -1;
      }
      n = channel.read(buf);
      if (n != 0) {
        return n;
      }
    }
  }

  /**
   * Writes the whole buffer.
   *
   * @param buf the buffer (in read mode)
   */
  void writeFully(ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (channel.write(buf) == 0) {
        key.interestOps(SelectionKey.OP_WRITE);
        selector.select(100);
        selector.selectedKeys().clear();
        if (!channel.isOpen()) {
          throw new java.nio.channels.ClosedChannelException();
        }
      }
    }
  }

  /** Wakes a thread blocked in this poller (after the channel was closed). */
  void wakeup() {
    selector.wakeup();
  }

  @Override
  public void close() throws IOException {
    selector.close();
  }
}
