package dev.prism.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The 20-byte binary id of an object in the store (the size of Ray's {@code ObjectID} before its
 * owner suffix). A value: two ids are equal when their bytes are equal.
 *
 * <p>Create ids with {@link #random()}, from bytes with {@link #of(byte[])}, or from the
 * 40-character hex text that {@link #toString()} prints with {@link #fromHex(String)}.
 *
 * @param high bytes 0..7 (big-endian)
 * @param mid bytes 8..15 (big-endian)
 * @param low bytes 16..19 (big-endian)
 */
public record ObjectId(long high, long mid, int low) {

  /** The number of bytes in an id. */
  public static final int SIZE = 20;

  private static final HexFormat HEX = HexFormat.of();
  private static final ValueLayout.OfLong LONG_BE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfInt INT_BE =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final long SEED = new SecureRandom().nextLong();

  /**
   * Returns a fresh random id. Collisions are as unlikely as for 144 random bits.
   *
   * @return a new id
   */
  public static ObjectId random() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new ObjectId(r.nextLong() ^ SEED, r.nextLong(), r.nextInt());
  }

  /**
   * Returns the id with these 20 bytes.
   *
   * @param bytes exactly {@value #SIZE} bytes
   * @return the id
   * @throws InvalidRequestException if {@code bytes} is not {@value #SIZE} bytes long
   */
  public static ObjectId of(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new InvalidRequestException(
          "an ObjectId has exactly "
              + SIZE
              + " bytes, got "
              + (bytes == null ? "null" : bytes.length + " bytes"));
    }
    return read(MemorySegment.ofArray(bytes), 0);
  }

  /**
   * Parses the 40-character hex form that {@link #toString()} prints.
   *
   * @param hex 40 hex digits
   * @return the id
   * @throws InvalidRequestException if {@code hex} is not 40 hex digits
   */
  public static ObjectId fromHex(String hex) {
    try {
      return of(HEX.parseHex(hex));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidRequestException(
          "an ObjectId in hex has exactly " + 2 * SIZE + " hex digits, got '" + hex + "'", e);
    }
  }

  /**
   * Reads an id from {@value #SIZE} bytes of a segment.
   *
   * @param segment the segment
   * @param offset where the id starts
   * @return the id
   */
  public static ObjectId read(MemorySegment segment, long offset) {
    return new ObjectId(
        segment.get(LONG_BE, offset),
        segment.get(LONG_BE, offset + 8),
        segment.get(INT_BE, offset + 16));
  }

  /**
   * Writes this id as {@value #SIZE} bytes into a segment.
   *
   * @param segment the segment
   * @param offset where the id starts
   */
  public void write(MemorySegment segment, long offset) {
    segment.set(LONG_BE, offset, high);
    segment.set(LONG_BE, offset + 8, mid);
    segment.set(INT_BE, offset + 16, low);
  }

  /**
   * Returns the {@value #SIZE} bytes of this id.
   *
   * @return a new array
   */
  public byte[] toBytes() {
    byte[] out = new byte[SIZE];
    write(MemorySegment.ofArray(out), 0);
    return out;
  }

  /**
   * Returns the 40-character lower-case hex form.
   *
   * @return the hex text
   */
  @Override
  public String toString() {
    return HEX.formatHex(toBytes());
  }
}
