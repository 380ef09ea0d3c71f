package dev.prism.store.internal;

import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.ObjectState;
import dev.prism.store.ProtocolException;
import dev.prism.store.StoreClosedException;
import dev.prism.store.StoreException;
import dev.prism.store.StoreStats;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client end of the wire protocol: one socket, preallocated direct buffers, one request in
 * flight at a time (a lock serialises threads). Seal and release are one-way; their failures arrive
 * as {@code ASYNC_ERROR} frames and are thrown by the next synchronous call. Internal: not part of
 * the API.
 */
public final class ClientChannel implements AutoCloseable {

  /** How long a client spins for a reply before blocking. */
  private static final long SPIN_NANOS = 100_000;

  private final SocketChannel channel;
  private final Poller poller;
  private final ReentrantLock lock = new ReentrantLock();
  private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 12).order(Protocol.ORDER);
  private final MemorySegment outSeg = MemorySegment.ofBuffer(out);
  private ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(Protocol.ORDER).flip();
  private final ArrayDeque<StoreException> pending = new ArrayDeque<>();
  private final long capacity;
  private final long defaultTimeoutNanos;
  private final String shmPath;
  private volatile boolean closed;

  private ClientChannel(Path socketPath, long group) {
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socketPath));
      poller = new Poller(channel, SPIN_NANOS);
    } catch (IOException e) {
      throw new StoreClosedException(
          "cannot connect to the object store at "
              + socketPath
              + ": "
              + e.getMessage()
              + " (is the store server running on this node?)",
          e);
    }
    try {
      begin(Protocol.HELLO);
      out.putInt(Protocol.MAGIC)
          .putInt(Protocol.VERSION)
          .putLong(ProcessHandle.current().pid())
          .putLong(group);
      send();
      ByteBuffer r = reply();
      capacity = r.getLong();
      defaultTimeoutNanos = r.getLong();
      byte[] p = new byte[r.getInt()];
      r.get(p);
      shmPath = new String(p, StandardCharsets.UTF_8);
      end();
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Connects and performs the handshake.
   *
   * @param socketPath the server's socket
   * @param group the client's id; the connections of one client share its pins and creations
   * @return the channel
   */
  public static ClientChannel connect(Path socketPath, long group) {
    return new ClientChannel(socketPath, group);
  }

  /**
   * Returns the store's capacity.
   *
   * @return bytes
   */
  public long capacity() {
    return capacity;
  }

  /**
   * Returns the server's default timeout.
   *
   * @return nanoseconds
   */
  public long defaultTimeoutNanos() {
    return defaultTimeoutNanos;
  }

  /**
   * Returns the server's shared-memory file.
   *
   * @return the path
   */
  public Path shmPath() {
    return Path.of(shmPath);
  }

  /**
   * Sends CREATE and waits for the offset.
   *
   * @param id the id
   * @param size bytes
   * @param copy primary or secondary
   * @param timeoutNanos how long the server may wait for space (negative: its default)
   * @return the offset
   */
  public long create(ObjectId id, long size, CopyKind copy, long timeoutNanos) {
    lock.lock();
    try {
      beginSync(Protocol.CREATE);
      putId(id);
      out.putLong(size).put((byte) copy.ordinal()).putLong(timeoutNanos);
      send();
      long offset = reply().getLong();
      end();
      return offset;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends GET and waits for the pinned object's offset and size.
   *
   * @param id the id
   * @param timeoutNanos how long the server waits for the seal (negative: its default)
   * @param result receives {offset, size}
   */
  public void get(ObjectId id, long timeoutNanos, long[] result) {
    lock.lock();
    try {
      beginSync(Protocol.GET);
      putId(id);
      out.putLong(timeoutNanos);
      send();
      ByteBuffer r = reply();
      result[0] = r.getLong();
      result[1] = r.getLong();
      end();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a one-way request about one object (SEAL or RELEASE).
   *
   * @param op the op
   * @param id the id
   */
  public void oneWay(byte op, ObjectId id) {
    lock.lock();
    try {
      begin(op);
      putId(id);
      send();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a synchronous request about one object (ABORT, DELETE, CONTAINS) and waits.
   *
   * @param op the op
   * @param id the id
   * @return the reply's boolean for CONTAINS, otherwise false
   */
  public boolean call(byte op, ObjectId id) {
    lock.lock();
    try {
      beginSync(op);
      putId(id);
      send();
      ByteBuffer r = reply();
      boolean b = op == Protocol.CONTAINS && r.get() != 0;
      end();
      return b;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the server processed every earlier request; throws a pending async error. */
  public void sync() {
    lock.lock();
    try {
      begin(Protocol.SYNC);
      send();
      reply();
      end();
      throwPending();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Fetches the stats.
   *
   * @return the stats
   */
  public StoreStats stats() {
    lock.lock();
    try {
      beginSync(Protocol.STATS);
      send();
      ByteBuffer r = reply();
      StoreStats s =
          new StoreStats(
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getLong(),
              r.getInt());
      end();
      return s;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Fetches the object table.
   *
   * @return one entry per object
   */
  public List<ObjectInfo> list() {
    lock.lock();
    try {
      beginSync(Protocol.LIST);
      send();
      ByteBuffer r = reply();
      int n = r.getInt();
      List<ObjectInfo> all = new ArrayList<>(n);
      byte[] idBytes = new byte[ObjectId.SIZE];
      for (int i = 0; i < n; i++) {
        r.get(idBytes);
        ObjectId id = ObjectId.of(idBytes);
        all.add(
            new ObjectInfo(
                id,
                r.getLong(),
                ObjectState.values()[r.get()],
                CopyKind.values()[r.get()],
                r.getInt(),
                r.get() != 0,
                Instant.ofEpochMilli(r.getLong()),
                Instant.ofEpochMilli(r.getLong())));
      }
      end();
      return all;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns whether the channel was closed.
   *
   * @return true if closed
   */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  // ---- framing ----

  private void beginSync(byte op) {
    throwPending();
    begin(op);
  }

  private void throwPending() {
    StoreException e = pending.poll();
    if (e != null) {
      throw new StoreException("an earlier seal or release failed: " + e.getMessage(), e);
    }
  }

  private void begin(byte op) {
    if (closed) {
      throw new StoreClosedException("this store client is closed; connect a new one");
    }
    out.clear();
    out.putInt(0).put(op);
  }

  private void putId(ObjectId id) {
    id.write(outSeg, out.position());
    out.position(out.position() + ObjectId.SIZE);
  }

  private void send() {
    out.putInt(0, out.position() - 4);
    out.flip();
    try {
      poller.writeFully(out);
    } catch (IOException e) {
      throw broken(e);
    }
  }

  private int replyEnd;

  private ByteBuffer reply() {
    try {
      while (true) {
        fill(4);
        int len = in.getInt();
        if (len <= 0 || len > Protocol.MAX_REPLY) {
          closeQuietly();
          throw new ProtocolException(
              "bad reply frame length "
                  + len
                  + " from the store server; this client is now closed");
        }
        fill(len);
        int end = in.position() + len;
        byte status = in.get();
        if (status == Protocol.OK) {
          replyEnd = end;
          return in;
        }
        byte code = in.get();
        String msg = Protocol.getString(in);
        in.position(end);
        StoreException e = Protocol.exception(code, msg);
        if (status == Protocol.ASYNC_ERROR) {
          pending.add(e);
        } else {
          if (e instanceof ProtocolException) {
            closeQuietly();
          }
          throw e;
        }
      }
    } catch (IOException e) {
      throw broken(e);
    }
  }

  private void end() {
    in.position(replyEnd);
  }

  private void fill(int n) throws IOException {
    if (in.remaining() >= n) {
      return;
    }
    in.compact();
    if (in.capacity() < n) {
      ByteBuffer bigger = ByteBuffer.allocateDirect(n).order(Protocol.ORDER);
      in.flip();
      bigger.put(in);
      in = bigger;
    }
    while (in.position() < n) {
      if (poller.read(in) < 0) {
        throw new IOException("the store server closed the connection");
      }
    }
    in.flip();
  }

  private StoreClosedException broken(IOException e) {
    closeQuietly();
    return new StoreClosedException(
        "lost the connection to the object store: " + e.getMessage() + "; connect a new client", e);
  }

  private void closeQuietly() {
    closed = true;
    try {
      channel.close();
      if (poller != null) {
        poller.close();
      }
    } catch (IOException ignored) {
      // nothing more to do
    }
  }
}
