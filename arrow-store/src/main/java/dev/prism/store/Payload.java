package dev.prism.store;

import java.lang.foreign.MemorySegment;

/**
 * A raw payload read zero-copy from the store: the bytes of the object's one-row binary column and
 * the object's user metadata. Close it to release the pin; after close the segment must not be
 * read. Thread-safe.
 */
public final class Payload implements AutoCloseable {

  private final ObjectBuffer buffer;
  private final MemorySegment data;
  private final byte[] metadata;

  Payload(ObjectBuffer buffer, MemorySegment data, byte[] metadata) {
    this.buffer = buffer;
    this.data = data;
    this.metadata = metadata;
  }

  /**
   * Returns the object's id.
   *
   * @return the id
   */
  public ObjectId id() {
    return buffer.id();
  }

  /**
   * Returns the payload bytes, read-only, inside the shared mapping (may exceed 2 GiB).
   *
   * @return the segment
   */
  public MemorySegment data() {
    return data;
  }

  /**
   * Returns a copy of the payload as an array (only for payloads under 2 GiB).
   *
   * @return the bytes
   */
  public byte[] toByteArray() {
    return data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
  }

  /**
   * Returns the user metadata given at put time.
   *
   * @return a copy of the metadata (empty if none)
   */
  public byte[] metadata() {
    return metadata.clone();
  }

  /**
   * Returns the whole object (the Arrow IPC stream around the payload).
   *
   * @return the object's pinned buffer
   */
  public ObjectBuffer object() {
    return buffer;
  }

  /** Releases the pin (idempotent). */
  @Override
  public void close() {
    buffer.close();
  }
}
