package dev.prism.store;

import java.lang.foreign.MemorySegment;

/**
 * A raw payload being written in place: fill {@link #data()} (exactly the size given at create),
 * then {@link #seal()}. The Arrow framing around the payload is already written. Like {@link
 * ObjectWriter}, confined to the creating thread; closing without sealing aborts.
 */
public final class PayloadWriter implements AutoCloseable {

  private final ObjectWriter writer;
  private final MemorySegment data;

  PayloadWriter(ObjectWriter writer, long dataOffset, long dataLength) {
    this.writer = writer;
    this.data = writer.segment().asSlice(dataOffset, dataLength);
  }

  /**
   * Returns the object's id.
   *
   * @return the id
   */
  public ObjectId id() {
    return writer.id();
  }

  /**
   * Returns the writable payload region inside the shared mapping; unusable after seal.
   *
   * @return the segment
   */
  public MemorySegment data() {
    return data;
  }

  /** Seals the object (one-way; see {@link ObjectWriter#seal()}). */
  public void seal() {
    writer.seal();
  }

  /** Aborts the object and frees its space. */
  public void abort() {
    writer.abort();
  }

  /** Aborts the object unless it was sealed or aborted already. */
  @Override
  public void close() {
    writer.close();
  }
}
