package dev.prism.store;

import dev.prism.store.internal.Protocol;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An object being created: a writable region of shared memory that the creator fills and then
 * {@linkplain #seal() seals}. After seal (or abort) the segment is unusable: any access throws
 * {@link IllegalStateException}, so a sealed object cannot be changed through this handle.
 *
 * <p>The segment is confined to the thread that called create: write, seal, abort and close from
 * that thread. Closing a writer that was neither sealed nor aborted aborts it. Not thread-safe.
 */
public final class ObjectWriter implements AutoCloseable {

  private final StoreClient client;
  private final ObjectId id;
  private final long size;
  private final Arena arena;
  private final MemorySegment segment;
  private boolean done;

  ObjectWriter(StoreClient client, ObjectId id, long offset, long size) {
    this.client = client;
    this.id = id;
    this.size = size;
    this.arena = Arena.ofConfined();
    this.segment = client.writableMapping().asSlice(offset, size).reinterpret(arena, null);
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
   * Returns the object's size.
   *
   * @return bytes
   */
  public long size() {
    return size;
  }

  /**
   * Returns the writable region: exactly {@link #size()} bytes inside the shared mapping.
   *
   * @return the segment; unusable after seal or abort
   */
  public MemorySegment segment() {
    return segment;
  }

  /**
   * Seals the object: it becomes immutable and visible to every client. One-way: the call does not
   * wait for the server; a failure is reported by the client's next synchronous call (or {@link
   * StoreClient#sync()}).
   *
   * @throws ObjectAlreadySealedException if sealed already
   * @throws InvalidRequestException if it was aborted
   */
  public void seal() {
    checkOpen("seal");
    done = true;
    arena.close();
    try {
      client.channel().oneWay(Protocol.SEAL, id);
    } finally {
      client.releaseMapping();
    }
  }

  /**
   * Aborts the creation and frees the space; the id may be created again.
   *
   * @throws ObjectAlreadySealedException if sealed already
   */
  public void abort() {
    checkOpen("abort");
    done = true;
    arena.close();
    try {
      client.channel().call(Protocol.ABORT, id);
    } finally {
      client.releaseMapping();
    }
  }

  /**
   * Returns whether the object was sealed or aborted through this handle.
   *
   * @return true when finished
   */
  public boolean isDone() {
    return done;
  }

  /**
   * Aborts the object unless it was sealed or aborted already. If the connection is gone there is
   * nothing to do: the server aborts a lost client's unsealed objects itself.
   */
  @Override
  public void close() {
    if (!done) {
      try {
        abort();
      } catch (StoreClosedException e) {
        // the server cleaned up when the connection dropped
      }
    }
  }

  private void checkOpen(String what) {
    if (done) {
      throw new ObjectAlreadySealedException(
          "cannot "
              + what
              + " object "
              + id
              + ": it was already sealed or aborted through this writer");
    }
  }
}
