package dev.prism.store.internal;

import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.ProtocolException;
import dev.prism.store.StoreException;
import dev.prism.store.StoreStats;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection on its own thread: reads request frames, applies them to the store
 * core, writes replies (batched: one write per read). Garbage on the socket ends this connection
 * with a logged error; the client's pins and creations are then cleaned up. Internal: not part of
 * the API.
 */
final class ServerConnection implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

  /** How long the connection spins for the next request before blocking. */
  private static final long SPIN_NANOS = 50_000;

  private final SocketChannel channel;
  private final StoreCore core;
  private final String shmPath;
  private final long defaultTimeoutNanos;
  private final Runnable onClose;
  private final ByteBuffer in =
      ByteBuffer.allocateDirect(Protocol.MAX_REQUEST + 4).order(Protocol.ORDER);
  private ByteBuffer out = ByteBuffer.allocateDirect(1 << 16).order(Protocol.ORDER);
  private final MemorySegment inSeg = MemorySegment.ofBuffer(in);
  private Session session;
  private boolean primary;
  private String name = "unidentified client";
  private volatile Poller poller;

  ServerConnection(
      SocketChannel channel,
      StoreCore core,
      String shmPath,
      long defaultTimeoutNanos,
      Runnable onClose) {
    this.channel = channel;
    this.core = core;
    this.shmPath = shmPath;
    this.defaultTimeoutNanos = defaultTimeoutNanos;
    this.onClose = onClose;
  }

  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("closing connection of {}", name, e);
    }
    Poller p = poller;
    if (p != null) {
      p.wakeup();
    }
  }

  @Override
  public void run() {
    try {
      poller = new Poller(channel, SPIN_NANOS);
      if (!channel.isOpen()) {
        return;
      }
      while (true) {
        if (poller.read(in) < 0) {
          break;
        }
        in.flip();
        while (in.remaining() >= 4) {
          int len = in.getInt(in.position());
          if (len <= 0 || len > Protocol.MAX_REQUEST) {
            throw new ProtocolException(
                "frame length "
                    + len
                    + " is outside 1.."
                    + Protocol.MAX_REQUEST
                    + " (garbage on the socket?)");
          }
          if (in.remaining() < 4 + len) {
            break;
          }
          int end = in.position() + 4 + len;
          int limit = in.limit();
          in.position(in.position() + 4).limit(end);
          try {
            handle();
            if (in.hasRemaining()) {
              throw new ProtocolException(
                  in.remaining() + " unexpected bytes at the end of a frame");
            }
          } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated request frame of " + len + " bytes", e);
          }
          in.limit(limit).position(end);
        }
        in.compact();
        flush();
      }
    } catch (ProtocolException e) {
      LOG.error("dropping store client {}: {}", name, e.getMessage());
      try {
        out.clear();
        error(Protocol.ERROR, e);
        flush();
      } catch (IOException | RuntimeException ignored) {
        // the peer may be gone already
      }
    } catch (ClosedChannelException e) {
      LOG.debug("connection of {} closed", name);
    } catch (IOException e) {
      LOG.debug("connection of {} dropped: {}", name, e.toString());
    } catch (RuntimeException e) {
      LOG.error("store connection of {} failed", name, e);
    } finally {
      close();
      try {
        if (poller != null) {
          poller.close();
        }
      } catch (IOException e) {
        LOG.debug("closing selector", e);
      }
      if (session != null) {
        core.closeSession(session, primary);
      }
      onClose.run();
    }
  }

  private void handle() {
    byte op = in.get();
    if (session == null && op != Protocol.HELLO) {
      throw new ProtocolException("the first request must be HELLO, got op " + op);
    }
    switch (op) {
      case Protocol.HELLO -> hello();
      case Protocol.CREATE -> {
        ObjectId id = readId();
        long size = in.getLong();
        CopyKind copy = in.get() == 0 ? CopyKind.PRIMARY : CopyKind.SECONDARY;
        long timeout = timeout(in.getLong());
        sync(() -> okLong(core.create(session, id, size, copy, timeout)));
      }
      case Protocol.SEAL -> {
        ObjectId id = readId();
        oneWay(() -> core.seal(session, id));
      }
      case Protocol.ABORT -> {
        ObjectId id = readId();
        sync(
            () -> {
              core.abort(session, id);
              ok(0);
            });
      }
      case Protocol.GET -> {
        ObjectId id = readId();
        long timeout = timeout(in.getLong());
        sync(
            () -> {
              long[] r = core.get(session, id, timeout);
              ok(16);
              out.putLong(r[0]).putLong(r[1]);
            });
      }
      case Protocol.RELEASE -> {
        ObjectId id = readId();
        oneWay(() -> core.release(session, id));
      }
      case Protocol.DELETE -> {
        ObjectId id = readId();
        sync(
            () -> {
              core.delete(id);
              ok(0);
            });
      }
      case Protocol.CONTAINS -> {
        ObjectId id = readId();
        sync(
            () -> {
              boolean c = core.contains(id);
              ok(1);
              out.put((byte) (c ? 1 : 0));
            });
      }
      case Protocol.STATS -> sync(this::stats);
      case Protocol.LIST -> sync(this::list);
      case Protocol.SYNC -> ok(0);
      default -> throw new ProtocolException("unknown request op " + op);
    }
  }

  private void hello() {
    if (session != null) {
      throw new ProtocolException("HELLO sent twice");
    }
    int magic = in.getInt();
    int version = in.getInt();
    long pid = in.getLong();
    long group = in.getLong();
    if (magic != Protocol.MAGIC) {
      throw new ProtocolException(
          "bad magic 0x" + Integer.toHexString(magic) + " in HELLO: not a Prism store client");
    }
    if (version != Protocol.VERSION) {
      throw new ProtocolException(
          "client speaks protocol version "
              + version
              + ", server "
              + Protocol.VERSION
              + "; use the same Prism version on both sides");
    }
    name = "pid " + pid;
    StoreCore.Opened opened = core.openSession(group, name);
    session = opened.session();
    primary = opened.primary();
    byte[] path = shmPath.getBytes(StandardCharsets.UTF_8);
    ok(8 + 8 + 4 + path.length);
    out.putLong(core.capacity()).putLong(defaultTimeoutNanos).putInt(path.length).put(path);
  }

  private long timeout(long nanos) {
    return nanos < 0 ? defaultTimeoutNanos : nanos;
  }

  private ObjectId readId() {
    if (in.remaining() < ObjectId.SIZE) {
      throw new BufferUnderflowException();
    }
    ObjectId id = ObjectId.read(inSeg, in.position());
    in.position(in.position() + ObjectId.SIZE);
    return id;
  }

  private void sync(Runnable r) {
    int start = out.position();
    try {
      r.run();
    } catch (StoreException e) {
      out.position(start);
      error(Protocol.ERROR, e);
    }
  }

  private void oneWay(Runnable r) {
    try {
      r.run();
    } catch (StoreException e) {
      error(Protocol.ASYNC_ERROR, e);
    }
  }

  private void ok(int bodyBytes) {
    ensure(5 + bodyBytes);
    out.putInt(1 + bodyBytes).put(Protocol.OK);
  }

  private void okLong(long v) {
    ok(8);
    out.putLong(v);
  }

  private void error(byte status, StoreException e) {
    String msg = String.valueOf(e.getMessage());
    byte[] b = msg.getBytes(StandardCharsets.UTF_8);
    ensure(4 + 2 + 4 + b.length);
    out.putInt(2 + 4 + b.length).put(status).put(Protocol.errorCode(e));
    out.putInt(b.length).put(b);
  }

  private void stats() {
    StoreStats s = core.stats();
    ok(10 * 8 + 4);
    out.putLong(s.capacity())
        .putLong(s.usedBytes())
        .putLong(s.objectCount())
        .putLong(s.sealedCount())
        .putLong(s.pinnedCount())
        .putLong(s.spilledCount())
        .putLong(s.spilledBytes())
        .putLong(s.evictions())
        .putLong(s.spills())
        .putLong(s.restores())
        .putInt(s.clients());
  }

  private void list() {
    List<ObjectInfo> all = core.list();
    int per = ObjectId.SIZE + 8 + 1 + 1 + 4 + 1 + 8 + 8;
    ok(4 + all.size() * per);
    out.putInt(all.size());
    for (ObjectInfo i : all) {
      out.put(i.id().toBytes());
      out.putLong(i.size())
          .put((byte) i.state().ordinal())
          .put((byte) i.copy().ordinal())
          .putInt(i.pinCount())
          .put((byte) (i.spilled() ? 1 : 0))
          .putLong(i.createdAt().toEpochMilli())
          .putLong(i.lastAccess().toEpochMilli());
    }
  }

  private void ensure(int bytes) {
    if (out.remaining() >= bytes) {
      return;
    }
    ByteBuffer bigger =
        ByteBuffer.allocateDirect(Math.max(out.capacity() * 2, out.position() + bytes))
            .order(Protocol.ORDER);
    out.flip();
    bigger.put(out);
    out = bigger;
  }

  private void flush() throws IOException {
    if (out.position() == 0) {
      return;
    }
    out.flip();
    poller.writeFully(out);
    if (out.capacity() > (1 << 20)) {
      out = ByteBuffer.allocateDirect(1 << 16).order(Protocol.ORDER);
    } else {
      out.clear();
    }
  }
}
