package dev.prism.runtime.node;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.RefusalLog;
import dev.prism.store.ObjectBuffer;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of the object data channel: a plain TCP port on the node manager's host that
 * sends objects' bytes straight from this node's shared-memory store to the socket (a {@link
 * ByteBuffer} view of the mapped object, written in views of at most 1 GiB: no copy on the heap).
 * The protocol is in {@code object_manager.proto}; one object per connection, each served on its
 * own thread, which pins the object while it sends it and releases the pin when the connection
 * ends, however it ends. A peer that stops reading is cut off by the {@link TransferWatchdog}.
 *
 * <p>Authentication: a connection starts with a handshake (magic, version, the SHA-256 digest of
 * the cluster token), which must arrive within {@link #HANDSHAKE_TIMEOUT}; the server reads only
 * those bytes, compares the digest in constant time, and on a mismatch answers UNAUTHENTICATED,
 * logs the peer (rate-limited) and closes the connection without reading the request that follows
 * (its bytes are discarded unread): no object is looked up or pinned for an unauthenticated peer.
 * The handshake is once per connection, so it costs nothing per byte.
 */
final class ObjectDataServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectDataServer.class);

  /** First bytes of every request: "PRXF". */
  static final int MAGIC = 0x50525846;

  /** The protocol's version (2: the handshake carries the cluster token's digest). */
  static final byte VERSION = 2;

  /** Bytes in the handshake: magic, version, the cluster token's SHA-256 digest. */
  static final int HANDSHAKE_BYTES = 4 + 1 + 32;

  /** Bytes in the request after the handshake: object id, offset. */
  static final int REQUEST_BYTES = ObjectId.SIZE + 8;

  /** How long a peer has to send the handshake after connecting. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Connections served at once (each holds a thread); more are closed at once, so that peers
   * without the token cannot exhaust threads by opening idle connections. A node pulls an object
   * over one connection, so legitimate use stays far below.
   */
  static final int MAX_CONNECTIONS = 256;

  /** Bytes in a reply's header: status and total size. */
  static final int REPLY_HEADER_BYTES = 1 + 8;

  /** Reply status: the object's bytes follow. */
  static final byte OK = 0;

  /** Reply status: the object is not in this node's store. */
  static final byte NOT_FOUND = 1;

  /** Reply status: the offset is past the object's end. */
  static final byte OUT_OF_RANGE = 2;

  /** Reply status: the store cannot serve the object now. */
  static final byte UNAVAILABLE = 3;

  /** Reply status: the request is malformed. */
  static final byte INVALID_ARGUMENT = 4;

  /** Reply status: the handshake did not carry the cluster token. */
  static final byte UNAUTHENTICATED = 5;

  private final String nodeId;
  private final StoreClient store;
  private final TransferWatchdog watchdog;
  private final Duration getTimeout;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final Map<SocketChannel, Thread> connections = new ConcurrentHashMap<>();
  private final java.util.concurrent.Semaphore slots =
      new java.util.concurrent.Semaphore(MAX_CONNECTIONS);
  private final AtomicLong served = new AtomicLong();
  private final ClusterToken token;
  private final long ioBytes;
  private final int socketBuffer;
  private final RefusalLog refusals;
  private volatile boolean closed;

  private ObjectDataServer(
      String nodeId,
      StoreClient store,
      TransferWatchdog watchdog,
      Duration getTimeout,
      ServerSocketChannel server,
      ObjectTransferConfig transfer,
      ClusterToken token) {
    this.nodeId = nodeId;
    this.ioBytes = transfer.dataIoBytes();
    this.socketBuffer = transfer.socketBuffer();
    this.token = token;
    this.refusals =
        new RefusalLog(
            "object data port of node " + nodeId.substring(0, Math.min(8, nodeId.length())));
    this.store = store;
    this.watchdog = watchdog;
    this.getTimeout = getTimeout;
    this.server = server;
    this.acceptor =
        Thread.ofPlatform()
            .daemon()
            .name("prism-data-accept-" + nodeId.substring(0, Math.min(8, nodeId.length())))
            .unstarted(this::acceptLoop);
  }

  /**
   * Binds a data port on {@code host} and starts serving.
   *
   * @param port the port, or 0 for any free one
   * @param getTimeout how long to wait for an object that is not sealed yet or must be restored
   * @param transfer the I/O and socket buffer sizes
   * @param token the cluster token every connection must present
   * @throws IOException if the port cannot be bound
   */
  static ObjectDataServer start(
      String nodeId,
      StoreClient store,
      TransferWatchdog watchdog,
      String host,
      int port,
      Duration getTimeout,
      ObjectTransferConfig transfer,
      ClusterToken token)
      throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open();
    try {
      if (transfer.socketBuffer() > 0) {
        ch.setOption(StandardSocketOptions.SO_RCVBUF, transfer.socketBuffer());
      }
      ch.bind(new InetSocketAddress(host, port), 64);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    ObjectDataServer s =
        new ObjectDataServer(nodeId, store, watchdog, getTimeout, ch, transfer, token);
    s.acceptor.start();
    return s;
  }

  /** The bound port. */
  int port() {
    return server.socket().getLocalPort();
  }

  /** How many objects this server sent completely. */
  long servedCount() {
    return served.get();
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("node {}: accepting an object data connection failed", nodeId, e);
        }
        continue;
      }
      if (!slots.tryAcquire()) {
        refusals.refused(
            peerOf(ch), "a data connection", "already " + MAX_CONNECTIONS + " connections open");
        closeQuietly(ch);
        continue;
      }
      try {
        Thread t =
            Thread.ofPlatform()
                .daemon()
                .name("prism-data-send-", served.get())
                .unstarted(
                    () -> {
                      try {
                        serve(ch);
                      } finally {
                        slots.release();
                      }
                    });
        connections.put(ch, t);
        if (closed) {
          closeQuietly(ch);
          connections.remove(ch);
          slots.release();
          return;
        }
        t.start();
      } catch (Throwable e) {
        // e.g. no thread can be created: drop this connection, keep accepting
        connections.remove(ch);
        closeQuietly(ch);
        slots.release();
        LOG.warn("node {}: cannot serve an object data connection: {}", nodeId, e.toString());
      }
    }
  }

  private static String peerOf(SocketChannel ch) {
    try {
      return String.valueOf(ch.getRemoteAddress());
    } catch (IOException e) {
      return "an unknown peer";
    }
  }

  private void serve(SocketChannel ch) {
    ObjectBuffer pinned = null;
    try (ch;
        TransferWatchdog.Watch watch = watchdog.watch(ch)) {
      if (socketBuffer > 0) {
        ch.setOption(StandardSocketOptions.SO_SNDBUF, socketBuffer);
      }
      if (!authenticated(ch)) {
        return;
      }
      ByteBuffer request = ByteBuffer.allocate(REQUEST_BYTES);
      readFully(ch, request, watch);
      request.flip();
      byte[] idBytes = new byte[ObjectId.SIZE];
      request.get(idBytes);
      ObjectId id = ObjectId.of(idBytes);
      long offset = request.getLong();
      try {
        pinned = store.get(id, getTimeout);
      } catch (ObjectNotFoundException e) {
        reply(
            ch,
            NOT_FOUND,
            0,
            "object "
                + id
                + " is not in the store of node "
                + nodeId
                + " (freed, or it never lived here)");
        return;
      } catch (StoreException e) {
        reply(
            ch,
            UNAVAILABLE,
            0,
            "cannot read object " + id + " on node " + nodeId + ": " + e.getMessage());
        return;
      }
      MemorySegment bytes = pinned.segment();
      long size = bytes.byteSize();
      if (offset < 0 || offset > size) {
        reply(
            ch,
            OUT_OF_RANGE,
            size,
            "offset " + offset + " is outside object " + id + " of " + size + " bytes");
        return;
      }
      ByteBuffer header = ByteBuffer.allocate(REPLY_HEADER_BYTES).put(OK).putLong(size).flip();
      writeFully(ch, header, watch);
      for (long at = offset; at < size; ) {
        long n = Math.min(ioBytes, size - at);
        writeFully(ch, bytes.asSlice(at, n).asByteBuffer(), watch);
        at += n;
      }
      ch.shutdownOutput();
      served.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      // the reader went away, timed out, or this node is closing: nothing to answer
      LOG.debug("node {}: object data connection ended: {}", nodeId, e.toString());
    } finally {
      if (pinned != null) {
        pinned.close();
      }
      connections.remove(ch);
    }
  }

  /**
   * Reads the handshake (bounded by {@link #HANDSHAKE_TIMEOUT}) and checks it; on failure answers,
   * logs and lets the client close first (discarding whatever it sent after the handshake, unread,
   * so the answer is not lost to a reset).
   */
  private boolean authenticated(SocketChannel ch) throws IOException {
    byte[] hello = new byte[HANDSHAKE_BYTES];
    long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT.toNanos();
    java.net.Socket socket = ch.socket();
    java.io.InputStream in = socket.getInputStream();
    String peer = String.valueOf(ch.getRemoteAddress());
    for (int at = 0; at < hello.length; ) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        refusals.refused(
            peer,
            "a data connection",
            "no handshake within " + HANDSHAKE_TIMEOUT.toSeconds() + " s");
        return false;
      }
      socket.setSoTimeout(
          (int) Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
      int n;
      try {
        n = in.read(hello, at, hello.length - at);
      } catch (java.net.SocketTimeoutException e) {
        continue;
      }
      if (n < 0) {
        refusals.refused(peer, "a data connection", "it closed before its handshake");
        return false;
      }
      at += n;
    }
    socket.setSoTimeout(0);
    ByteBuffer b = ByteBuffer.wrap(hello);
    if (b.getInt() != MAGIC || b.get() != VERSION) {
      refusals.refused(peer, "a data connection", "not a handshake of protocol version " + VERSION);
      refuse(ch, INVALID_ARGUMENT, "not an object data handshake of protocol version " + VERSION);
      return false;
    }
    byte[] digest = new byte[32];
    b.get(digest);
    if (!token.matchesDigest(digest)) {
      refusals.refused(peer, "a data connection", "wrong cluster token");
      refuse(
          ch,
          UNAUTHENTICATED,
          "node " + nodeId + " refused this data connection: the" + " cluster token is wrong");
      return false;
    }
    return true;
  }

  private static void refuse(SocketChannel ch, byte status, String message) throws IOException {
    reply(ch, status, 0, message);
    ch.shutdownOutput();
    java.net.Socket socket = ch.socket();
    long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT.toNanos();
    byte[] discard = new byte[256];
    try {
      java.io.InputStream in = socket.getInputStream();
      for (int i = 0; i < 64; i++) {
        // unread: waiting (within one deadline) for the client to close after the answer
        long left =
            java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          break;
        }
        socket.setSoTimeout((int) left);
        if (in.read(discard) < 0) {
          break;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      // the client did not close: closing now
    }
  }

  private static void reply(SocketChannel ch, byte status, long size, String message)
      throws IOException {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, Short.MAX_VALUE);
    ByteBuffer b =
        ByteBuffer.allocate(REPLY_HEADER_BYTES + 2 + length)
            .put(status)
            .putLong(size)
            .putShort((short) length)
            .put(text, 0, length)
            .flip();
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Writes all of {@code b}, recording progress. */
  static void writeFully(SocketChannel ch, ByteBuffer b, TransferWatchdog.Watch watch)
      throws IOException {
    while (b.hasRemaining()) {
      if (ch.write(b) > 0) {
        watch.progress();
      }
    }
  }

  /** Reads until {@code b} is full, recording progress; EOF before that is an error. */
  static void readFully(SocketChannel ch, ByteBuffer b, TransferWatchdog.Watch watch)
      throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b);
      if (n < 0) {
        throw new EOFException("connection closed with " + b.remaining() + " bytes to go");
      }
      watch.progress();
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /**
   * Stops accepting, cuts every connection (their threads release their pins) and waits a little
   * for those threads.
   */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the data port of node {}: {}", nodeId, e.toString());
    }
    for (SocketChannel ch : connections.keySet()) {
      closeQuietly(ch);
    }
    try {
      acceptor.join(2000);
      for (Thread t : connections.values()) {
        t.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
