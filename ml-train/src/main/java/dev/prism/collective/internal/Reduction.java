package dev.prism.collective.internal;

import dev.prism.collective.DataType;
import dev.prism.collective.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element-wise reduction kernels over off-heap (or heap) segments, in the platform's order. */
public final class Reduction {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
  private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;

  static {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new ExceptionInInitializerError(
          "collective operations need a little-endian platform; this one is "
              + ByteOrder.nativeOrder());
    }
  }

  private Reduction() {}

  /**
   * Combines {@code src} into {@code dst}, element by element: {@code dst[i] = op(dst[i], src[i])}.
   * MEAN combines as SUM; {@link #scale} divides at the end.
   *
   * @param dst the accumulator, {@code count} elements
   * @param src the values to combine in
   * @param count the number of elements
   * @param type the element type
   * @param op the operation
   */
  public static void combine(
      MemorySegment dst, MemorySegment src, long count, DataType type, ReduceOp op) {
    dst = plain(dst);
    src = plain(src);
    switch (type) {
      case FLOAT32 -> floats(dst, src, count, op);
      case FLOAT64 -> doubles(dst, src, count, op);
      case INT32 -> ints(dst, src, count, op);
      case INT64 -> longs(dst, src, count, op);
    }
  }

  /**
   * Divides every element by {@code divisor} (the last step of MEAN).
   *
   * @param data the elements
   * @param count the number of elements
   * @param type FLOAT32 or FLOAT64
   * @param divisor the number of ranks
   */
  public static void scale(MemorySegment data, long count, DataType type, int divisor) {
    data = plain(data);
    if (type == DataType.FLOAT32) {
      float d = divisor;
      for (long i = 0; i < count; i++) {
        long o = i << 2;
        data.set(F, o, data.get(F, o) / d);
      }
    } else if (type == DataType.FLOAT64) {
      double d = divisor;
      for (long i = 0; i < count; i++) {
        long o = i << 3;
        data.set(D, o, data.get(D, o) / d);
      }
    } else {
      throw new IllegalArgumentException("MEAN needs a floating-point type, not " + type);
    }
  }

  /**
   * The same memory as a plain native segment. The loops below are compiled for the segment classes
   * they see: a loop fed both mapped (shared-memory) and plain off-heap segments runs several times
   * slower than one that sees one class. The view lives no longer than the call, within the
   * lifetime of the segments it was made from.
   */
  private static MemorySegment plain(MemorySegment s) {
    return s.isNative() ? MemorySegment.ofAddress(s.address()).reinterpret(s.byteSize()) : s;
  }

  private static void floats(MemorySegment dst, MemorySegment src, long count, ReduceOp op) {
    switch (op) {
      case SUM, MEAN -> {
        for (long i = 0; i < count; i++) {
          long o = i << 2;
          dst.set(F, o, dst.get(F, o) + src.get(F, o));
        }
      }
      case MAX -> {
        for (long i = 0; i < count; i++) {
          long o = i << 2;
          dst.set(F, o, Math.max(dst.get(F, o), src.get(F, o)));
        }
      }
      case MIN -> {
        for (long i = 0; i < count; i++) {
          long o = i << 2;
          dst.set(F, o, Math.min(dst.get(F, o), src.get(F, o)));
        }
      }
    }
  }

  private static void doubles(MemorySegment dst, MemorySegment src, long count, ReduceOp op) {
    switch (op) {
      case SUM, MEAN -> {
        for (long i = 0; i < count; i++) {
          long o = i << 3;
          dst.set(D, o, dst.get(D, o) + src.get(D, o));
        }
      }
      case MAX -> {
        for (long i = 0; i < count; i++) {
          long o = i << 3;
          dst.set(D, o, Math.max(dst.get(D, o), src.get(D, o)));
        }
      }
      case MIN -> {
        for (long i = 0; i < count; i++) {
          long o = i << 3;
          dst.set(D, o, Math.min(dst.get(D, o), src.get(D, o)));
        }
      }
    }
  }

  private static void ints(MemorySegment dst, MemorySegment src, long count, ReduceOp op) {
    for (long i = 0; i < count; i++) {
      long o = i << 2;
      int a = dst.get(I, o);
      int b = src.get(I, o);
      dst.set(
          I,
          o,
          switch (op) {
            case SUM, MEAN -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
          });
    }
  }

  private static void longs(MemorySegment dst, MemorySegment src, long count, ReduceOp op) {
    for (long i = 0; i < count; i++) {
      long o = i << 3;
      long a = dst.get(L, o);
      long b = src.get(L, o);
      dst.set(
          L,
          o,
          switch (op) {
            case SUM, MEAN -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
          });
    }
  }
}
