package dev.prism.runtime.node;

import static dev.prism.runtime.node.ObjectDataServer.readFully;
import static dev.prism.runtime.node.ObjectDataServer.writeFully;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectWriter;
import dev.prism.store.StoreClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The destination side of the object data channel: connects to a source node manager's data port
 * ({@link ObjectDataServer}), asks for one object, creates it in this node's store as a {@linkplain
 * CopyKind#SECONDARY secondary} copy once the reply gives its size, reads the bytes straight into
 * the object's shared memory (a {@link ByteBuffer} view of the created segment, at most 1 GiB at a
 * time: no copy on the heap) and seals it.
 *
 * <p>Runs on the calling thread, which owns the store writer. Every failure aborts the object being
 * written and throws a {@link StatusRuntimeException}: UNAVAILABLE when the source cannot be
 * reached, closes the connection early or sends nothing for the watchdog's idle timeout; NOT_FOUND,
 * OUT_OF_RANGE, INVALID_ARGUMENT or UNAUTHENTICATED (the source refused this node's cluster token)
 * when the source says so. An interrupt closes the connection (cancellation).
 */
final class ObjectDataClient {

  /** How long connecting to a data port may take. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final StoreClient store;
  private final TransferWatchdog watchdog;
  private final Duration createTimeout;
  private final byte[] tokenDigest;
  private final long ioBytes;
  private final int socketBuffer;

  /**
   * @param store this node's store
   * @param watchdog cuts connections that stall
   * @param createTimeout how long to wait for room in this node's store
   * @param transfer the I/O and socket buffer sizes
   * @param token the cluster token, whose digest starts every connection
   */
  ObjectDataClient(
      StoreClient store,
      TransferWatchdog watchdog,
      Duration createTimeout,
      ObjectTransferConfig transfer,
      ClusterToken token) {
    this.tokenDigest = token.digest();
    this.ioBytes = transfer.dataIoBytes();
    this.socketBuffer = transfer.socketBuffer();
    this.store = store;
    this.watchdog = watchdog;
    this.createTimeout = createTimeout;
  }

  /**
   * Pulls one object into this node's store and seals it.
   *
   * @param id the object
   * @param source the source's data port
   * @param what the pull, for messages ("pull of X from node Y")
   * @param created runs once the object was created here (counts pulls)
   * @return the object's size
   * @throws StatusRuntimeException if the pull fails (the object is then not in the store)
   * @throws dev.prism.store.ObjectExistsException if the object appeared here meanwhile
   */
  long pull(ObjectId id, InetSocketAddress source, String what, Runnable created) {
    long received = 0;
    long total = -1;
    TransferWatchdog.Watch watch = null;
    try (SocketChannel ch = SocketChannel.open()) {
      if (socketBuffer > 0) {
        ch.setOption(StandardSocketOptions.SO_RCVBUF, socketBuffer);
      }
      try {
        ch.socket().connect(source, (int) CONNECT_TIMEOUT.toMillis());
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e;
        }
        throw unavailable(
            what
                + ": cannot connect to its data port "
                + hostPort(source)
                + " ("
                + (e instanceof SocketTimeoutException
                    ? "no answer in " + CONNECT_TIMEOUT.toSeconds() + " s"
                    : e.getMessage())
                + ")",
            e);
      }
      watch = watchdog.watch(ch);
      ByteBuffer request =
          ByteBuffer.allocate(ObjectDataServer.HANDSHAKE_BYTES + ObjectDataServer.REQUEST_BYTES)
              .putInt(ObjectDataServer.MAGIC)
              .put(ObjectDataServer.VERSION)
              .put(tokenDigest)
              .put(id.toBytes())
              .putLong(0)
              .flip();
      writeFully(ch, request, watch);
      ByteBuffer header = ByteBuffer.allocate(ObjectDataServer.REPLY_HEADER_BYTES);
      readFully(ch, header, watch);
      header.flip();
      byte status = header.get();
      total = header.getLong();
      if (status != ObjectDataServer.OK) {
        throw refused(ch, status, what, watch);
      }
      if (total < 0) {
        throw new StatusRuntimeException(
            Status.DATA_LOSS.withDescription(what + ": the source sent a negative size " + total));
      }
      try (ObjectWriter writer = store.create(id, total, CopyKind.SECONDARY, createTimeout)) {
        created.run();
        MemorySegment target = writer.segment();
        while (received < total) {
          ByteBuffer view =
              target.asSlice(received, Math.min(ioBytes, total - received)).asByteBuffer();
          while (view.hasRemaining()) {
            int r = ch.read(view);
            if (r < 0) {
              throw unavailable(
                  what
                      + ": the source closed the data connection after "
                      + received
                      + " of "
                      + total
                      + " bytes",
                  null);
            }
            received += r;
            watch.progress();
          }
        }
        writer.seal(); // closing the writer unsealed (any failure above) aborts the object
      }
      store.sync();
      return total;
    } catch (ClosedByInterruptException e) {
      Thread.currentThread().interrupt();
      throw unavailable(what + ": cancelled (this node is shutting down)", e);
    } catch (IOException e) {
      if (watch != null && watch.timedOut()) {
        throw unavailable(
            what
                + ": no data for "
                + watchdog.idleTimeout().toSeconds()
                + " s (the source hangs or the network is down); got "
                + received
                + " of "
                + total
                + " bytes",
            e);
      }
      throw unavailable(
          what
              + ": data connection to "
              + hostPort(source)
              + " failed"
              + (total >= 0 ? " after " + received + " of " + total + " bytes" : "")
              + ": "
              + e,
          e);
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  private static StatusRuntimeException refused(
      SocketChannel ch, byte status, String what, TransferWatchdog.Watch watch) throws IOException {
    ByteBuffer length = ByteBuffer.allocate(2);
    readFully(ch, length, watch);
    ByteBuffer text = ByteBuffer.allocate(length.flip().getShort() & 0xffff);
    readFully(ch, text, watch);
    String message = new String(text.array(), StandardCharsets.UTF_8);
    Status code =
        switch (status) {
          case ObjectDataServer.NOT_FOUND -> Status.NOT_FOUND;
          case ObjectDataServer.OUT_OF_RANGE -> Status.OUT_OF_RANGE;
          case ObjectDataServer.INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
          case ObjectDataServer.UNAUTHENTICATED -> Status.UNAUTHENTICATED;
          default -> Status.UNAVAILABLE;
        };
    return new StatusRuntimeException(code.withDescription(message));
  }

  private static StatusRuntimeException unavailable(String message, Throwable cause) {
    return new StatusRuntimeException(Status.UNAVAILABLE.withDescription(message).withCause(cause));
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
