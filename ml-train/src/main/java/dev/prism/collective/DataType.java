package dev.prism.collective;

/**
 * The element type of a buffer given to a collective operation. Elements travel little-endian, the
 * order of every platform Prism runs on.
 */
public enum DataType {
  /** 32-bit IEEE float. */
  FLOAT32(4),
  /** 64-bit IEEE float. */
  FLOAT64(8),
  /** 32-bit signed integer. */
  INT32(4),
  /** 64-bit signed integer. */
  INT64(8);

  private final int bytes;

  DataType(int bytes) {
    this.bytes = bytes;
  }

  /**
   * The size of one element.
   *
   * @return bytes per element
   */
  public int bytes() {
    return bytes;
  }

  /**
   * Whether the type is a floating-point one (so {@link ReduceOp#MEAN} applies).
   *
   * @return true for FLOAT32 and FLOAT64
   */
  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64;
  }
}
