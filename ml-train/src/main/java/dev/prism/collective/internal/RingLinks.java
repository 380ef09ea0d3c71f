package dev.prism.collective.internal;

import dev.prism.collective.CollectiveException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The two TCP connections of one rank in a ring: to the next rank (this rank writes) and from the
 * previous one (this rank reads). Every step of an operation is a frame: a 24-byte header (the
 * operation's code, its sequence number, the payload's length) and then the payload, so ranks that
 * call different operations, or give buffers of different sizes, fail with a message instead of
 * reading garbage. A step's send and receive overlap in the caller's thread (non-blocking channels
 * and a selector), so buffers confined to that thread work too. A step that runs past its deadline
 * fails, and a failed step breaks the links for good.
 */
public final class RingLinks implements AutoCloseable {
  private static final int MAGIC = 0x50524943; // "PRIC"
  private static final int HEADER = 24;

  private final int rank;
  private final int worldSize;
  private final SocketChannel next;
  private final SocketChannel prev;
  private final Selector selector;
  private final ArrayDeque<ByteBuffer> sendQueue = new ArrayDeque<>();
  private long forwardLeft;
  private final ByteBuffer readHeader =
      ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
  private volatile String brokenReason;

  private RingLinks(int rank, int worldSize, SocketChannel next, SocketChannel prev)
      throws IOException {
    this.rank = rank;
    this.worldSize = worldSize;
    this.next = next;
    this.prev = prev;
    if (next == null) {
      this.selector = null;
      return;
    }
    this.selector = Selector.open();
    next.configureBlocking(false);
    prev.configureBlocking(false);
    next.register(selector, 0);
    prev.register(selector, 0);
  }

  /**
   * Forms this rank's links: connects to the next rank's listener and accepts the previous rank's
   * connection on {@code listener}. Every rank must call it with the same address list.
   *
   * @param listener this rank's bound listener (its address is {@code addresses.get(rank)})
   * @param rank this rank
   * @param addresses every rank's {@code host:port}, by rank
   * @param timeout how long to wait for the peers
   * @return the links
   * @throws CollectiveException if a peer cannot be reached in time
   */
  public static RingLinks connect(
      ServerSocketChannel listener, int rank, List<String> addresses, Duration timeout) {
    int n = addresses.size();
    if (n == 1) {
      try {
        return new RingLinks(rank, 1, null, null);
      } catch (IOException e) {
        throw new CollectiveException("cannot open a selector: " + e.getMessage(), e);
      }
    }
    long token = addresses.hashCode();
    long deadline = System.nanoTime() + timeout.toNanos();
    int nextRank = (rank + 1) % n;
    int prevRank = (rank - 1 + n) % n;
    SocketChannel next = null;
    SocketChannel prev = null;
    try {
      next = dial(addresses.get(nextRank), nextRank, deadline);
      ByteBuffer hello = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
      hello.putInt(MAGIC).putInt(rank).putInt(n).putLong(token).flip();
      writeFully(next, hello);
      prev = accept(listener, prevRank, n, token, deadline);
      return new RingLinks(rank, n, next, prev);
    } catch (IOException e) {
      closeQuietly(next);
      closeQuietly(prev);
      throw new CollectiveException(
          "rank "
              + rank
              + " could not form its ring with ranks "
              + prevRank
              + " and "
              + nextRank
              + " within "
              + timeout
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static SocketChannel dial(String address, int peer, long deadline) throws IOException {
    int colon = address.lastIndexOf(':');
    InetSocketAddress target =
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    IOException last = null;
    do {
      SocketChannel ch = SocketChannel.open();
      try {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.socket().connect(target, (int) Math.max(1, remainingMillis(deadline)));
        return ch;
      } catch (IOException e) {
        closeQuietly(ch);
        last = e;
        sleepBriefly();
      }
    } while (System.nanoTime() < deadline);
    throw new IOException("rank " + peer + " at " + address + " did not answer: " + last, last);
  }

  private static SocketChannel accept(
      ServerSocketChannel listener, int prevRank, int n, long token, long deadline)
      throws IOException {
    while (true) {
      long left = remainingMillis(deadline);
      if (left <= 0) {
        throw new IOException("rank " + prevRank + " did not connect");
      }
      listener.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
      SocketChannel ch;
      try {
        ch = listener.socket().accept().getChannel();
      } catch (java.net.SocketTimeoutException e) {
        throw new IOException("rank " + prevRank + " did not connect", e);
      }
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
      ByteBuffer hello = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
      ch.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left)));
      int read = 0;
      try {
        // Read through the socket's stream so the read honours the timeout; closing the stream
        // would close the channel, so it stays open.
        var in = ch.socket().getInputStream();
        byte[] b = new byte[20];
        while (read < 20) {
          int r = in.read(b, read, 20 - read);
          if (r < 0) {
            break;
          }
          read += r;
        }
        hello.put(b, 0, read).flip();
        ch.socket().setSoTimeout(0);
      } catch (IOException e) {
        closeQuietly(ch);
        continue;
      }
      if (read == 20
          && hello.getInt() == MAGIC
          && hello.getInt() == prevRank
          && hello.getInt() == n
          && hello.getLong() == token) {
        return ch;
      }
      closeQuietly(ch); // a stray connection, or a rank of another group: keep waiting
    }
  }

  /** Where a step's received payload goes, piece by piece. */
  public interface Receiver {
    /**
     * The buffer for the next received bytes.
     *
     * @param offset how many payload bytes were received before
     * @param remaining how many are still to come (more than 0)
     * @return a buffer of at most {@code remaining} bytes
     */
    MemorySegment next(long offset, long remaining);

    /**
     * A buffer from {@link #next} is full.
     *
     * @param offset its offset in the payload
     * @param piece the buffer
     */
    void filled(long offset, MemorySegment piece);
  }

  /**
   * Runs one step of an operation: sends a frame to the next rank while receiving one from the
   * previous rank, in this thread (both channels are non-blocking), until both are done or the
   * deadline passes.
   *
   * @param op the operation's code
   * @param seq the operation's sequence number
   * @param out the payload to send, or null
   * @param forwardLength with {@code out} null and this at 0 or more: send a header of this length
   *     now and the payload later, through {@link #forward} calls made by {@code receiver}
   * @param inLength the payload length to receive, or -1 to receive nothing
   * @param receiver where received bytes go (with {@code inLength} at 0 or more)
   * @param deadline {@link System#nanoTime()} past which the step fails
   * @param opNames names of the operation codes, for messages
   * @throws IOException if a connection fails, or the deadline passes
   * @throws CollectiveException if the peer runs another operation or another size
   */
  public void step(
      int op,
      long seq,
      MemorySegment out,
      long forwardLength,
      long inLength,
      Receiver receiver,
      long deadline,
      List<String> opNames)
      throws IOException {
    sendQueue.clear();
    forwardLeft = 0;
    if (out != null) {
      sendQueue.add(header(op, seq, out.byteSize()));
      if (out.byteSize() > 0) {
        sendQueue.add(out.asByteBuffer());
      }
    } else if (forwardLength >= 0) {
      sendQueue.add(header(op, seq, forwardLength));
      forwardLeft = forwardLength;
    }
    boolean headerDone = inLength < 0;
    long received = 0;
    ByteBuffer piece = null;
    MemorySegment pieceSegment = null;
    readHeader.clear();
    while (true) {
      boolean progress = false;
      while (!sendQueue.isEmpty()) {
        ByteBuffer b = sendQueue.peekFirst();
        int n = next.write(b);
        if (n > 0) {
          progress = true;
        }
        if (b.hasRemaining()) {
          break;
        }
        sendQueue.pollFirst();
      }
      boolean receiving = inLength >= 0 && (!headerDone || received < inLength);
      while (receiving) {
        if (!headerDone) {
          int n = prev.read(readHeader);
          if (n < 0) {
            throw new EOFException("the connection closed");
          }
          if (n > 0) {
            progress = true;
          }
          if (readHeader.hasRemaining()) {
            break;
          }
          checkHeader(op, seq, inLength, opNames);
          headerDone = true;
        } else {
          if (piece == null) {
            pieceSegment = receiver.next(received, inLength - received);
            piece = pieceSegment.asByteBuffer();
          }
          int n = prev.read(piece);
          if (n < 0) {
            throw new EOFException("the connection closed");
          }
          if (n > 0) {
            progress = true;
          }
          if (piece.hasRemaining()) {
            break;
          }
          receiver.filled(received, pieceSegment);
          received += pieceSegment.byteSize();
          piece = null;
        }
        receiving = received < inLength;
      }
      boolean recvDone = inLength < 0 || (headerDone && received >= inLength);
      if (recvDone && sendQueue.isEmpty() && forwardLeft == 0) {
        return;
      }
      if (progress) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new java.net.SocketTimeoutException("the deadline passed");
      }
      next.keyFor(selector).interestOps(sendQueue.isEmpty() ? 0 : SelectionKey.OP_WRITE);
      prev.keyFor(selector).interestOps(recvDone ? 0 : SelectionKey.OP_READ);
      selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      selector.selectedKeys().clear();
    }
  }

  /**
   * Queues received bytes for sending to the next rank, after the header of a step started with a
   * {@code forwardLength}: how a pipelined broadcast passes chunks on as they arrive.
   *
   * @param piece the bytes, which stay unchanged until the step ends
   */
  public void forward(MemorySegment piece) {
    sendQueue.add(piece.asByteBuffer());
    forwardLeft -= piece.byteSize();
  }

  private static ByteBuffer header(int op, long seq, long length) {
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(MAGIC).putInt(op).putLong(seq).putLong(length).flip();
    return h;
  }

  private void checkHeader(int op, long seq, long length, List<String> opNames) {
    readHeader.flip();
    int magic = readHeader.getInt();
    int gotOp = readHeader.getInt();
    long gotSeq = readHeader.getLong();
    long gotLength = readHeader.getLong();
    int peer = (rank - 1 + worldSize) % worldSize;
    if (magic != MAGIC) {
      throw fail("rank " + peer + " sent bytes that are not a collective frame");
    }
    if (gotOp != op || gotSeq != seq) {
      throw fail(
          "rank "
              + peer
              + " ran "
              + name(opNames, gotOp)
              + " (operation #"
              + gotSeq
              + ") while rank "
              + rank
              + " ran "
              + name(opNames, op)
              + " (operation #"
              + seq
              + "): every rank must call the same collective operations in the same order");
    }
    if (gotLength != length) {
      throw fail(
          "rank "
              + peer
              + " sent "
              + gotLength
              + " bytes for a step of "
              + name(opNames, op)
              + " where rank "
              + rank
              + " expected "
              + length
              + ": the ranks' buffers differ in size");
    }
  }

  /**
   * Breaks the links for good: later operations fail with {@code reason}.
   *
   * @param reason why
   */
  public void breakWith(String reason) {
    if (brokenReason == null) {
      brokenReason = reason;
    }
    closeQuietly(next);
    closeQuietly(prev);
  }

  /**
   * Why the links are broken, or null while they work.
   *
   * @return the reason or null
   */
  public String brokenReason() {
    return brokenReason;
  }

  @Override
  public void close() {
    if (brokenReason == null) {
      brokenReason = "the communicator is closed";
    }
    closeQuietly(next);
    closeQuietly(prev);
    if (selector != null) {
      try {
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private CollectiveException fail(String message) {
    breakWith(message);
    return new CollectiveException(message);
  }

  private static String name(List<String> names, int op) {
    return op >= 0 && op < names.size() ? names.get(op) : "operation " + op;
  }

  private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static long remainingMillis(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
