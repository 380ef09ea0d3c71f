package dev.prism.store;

import dev.prism.store.internal.Protocol;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A pinned, sealed object: its bytes, read-only and zero-copy, inside the client's read-only
 * mapping of the store. A write through the segment (or a byte buffer of it) throws; a write
 * through its raw address stops the writing process with {@code SIGSEGV} and changes nothing (see
 * {@link StoreClient}). While the handle is open the store neither evicts nor spills the object.
 * Close it to release the pin; after close the segment must not be read (its memory may be reused).
 * Thread-safe.
 */
public final class ObjectBuffer implements AutoCloseable {

  private final StoreClient client;
  private final ObjectId id;
  private final MemorySegment segment;
  private final AtomicBoolean closed = new AtomicBoolean();

  ObjectBuffer(StoreClient client, ObjectId id, long offset, long size) {
    this.client = client;
    this.id = id;
    // a slice of the read-only mapping: read-only already, at the segment and the page level
    this.segment = client.mapping().asSlice(offset, size);
    client.retainMapping();
  }

  /**
   * Returns the object's id.
   *
   * @return the id
   */
  public ObjectId id() {
    return id;
  }

  /**
   * Returns the object's bytes (an Arrow IPC stream), read-only, inside the shared mapping.
   *
   * @return the segment
   */
  public MemorySegment segment() {
    return segment;
  }

  /**
   * Returns the object's size.
   *
   * @return bytes
   */
  public long size() {
    return segment.byteSize();
  }

  /** Releases the pin (one-way; idempotent). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (!client.channel().isClosed()) {
        client.channel().oneWay(Protocol.RELEASE, id);
      }
    } catch (StoreClosedException e) {
      // the connection is gone, and with it every pin of this client on the server
    } finally {
      client.releaseMapping();
    }
  }
}
