package dev.prism.runtime.worker;

import dev.prism.PrismSerializationException;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.store.ArrowObject;
import dev.prism.store.ObjectId;
import dev.prism.store.Payload;
import dev.prism.store.PayloadWriter;
import dev.prism.store.StoreClient;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Turns values into bytes and back, in the formats objects have: Fory for Java values, Arrow for
 * {@link VectorSchemaRoot}s (zero-copy on read), raw bytes for large primitive arrays (written
 * straight into shared memory with no intermediate copy). Records the refs nested in a value.
 */
final class ValueCodec {

  /** Values up to this size travel inline (in task specs, replies, the owner's memory). */
  static final int INLINE_LIMIT = 100 * 1024;

  private static final byte[] META_FORY = "prism:fory".getBytes(StandardCharsets.US_ASCII);
  private static final String META_ARRAY = "prism:array:";

  private final ObjectSerializer serializer;
  private final Consumer<List<ObjectRefImpl<?>>> borrows;

  /**
   * @param serializer the serializer for Java values (with the ref serializers registered)
   * @param borrows registers this process as a borrower of the refs nested in a decoded value
   */
  ValueCodec(ObjectSerializer serializer, Consumer<List<ObjectRefImpl<?>>> borrows) {
    this.serializer = serializer;
    this.borrows = borrows;
  }

  /**
   * A value ready to travel or be stored.
   *
   * @param format its format
   * @param bytes the serialized form (Fory, errors), or null for Arrow data and large arrays
   * @param large the Arrow root or primitive array written as itself, or null
   * @param size its size in bytes
   * @param nested the refs nested in it
   */
  record Encoded(
      ValueFormat format, byte[] bytes, Object large, long size, List<ObjectRefImpl<?>> nested) {
    boolean fitsInline() {
      return bytes != null && bytes.length <= INLINE_LIMIT;
    }
  }

  Encoded encode(Object value) {
    if (value instanceof VectorSchemaRoot root) {
      return new Encoded(ValueFormat.ARROW, null, root, arrowSize(root), List.of());
    }
    long arrayBytes = primitiveArrayBytes(value);
    if (arrayBytes > INLINE_LIMIT) {
      return new Encoded(ValueFormat.PRIMITIVE_ARRAY, null, value, arrayBytes, List.of());
    }
    try (ObjectRefSerializer.Collector c = ObjectRefSerializer.Collector.open()) {
      byte[] bytes = serializer.serialize(value);
      return new Encoded(ValueFormat.FORY, bytes, null, bytes.length, List.copyOf(c.refs()));
    }
  }

  byte[] encodeError(TaskError error) {
    return serializer.serialize(error);
  }

  TaskError decodeError(byte[] bytes) {
    return (TaskError) serializer.deserialize(bytes);
  }

  Throwable decodeException(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return (Throwable) serializer.deserialize(bytes);
    } catch (RuntimeException e) {
      return null;
    }
  }

  byte[] serializeException(Throwable t) {
    try {
      return serializer.serialize(t);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Writes a value that does not travel inline into the node's store, sealed. */
  void writeToStore(StoreClient store, ObjectId id, Encoded e) {
    switch (e.format()) {
      case FORY, ERROR -> store.putBytes(id, e.bytes(), META_FORY);
      case ARROW -> store.putRoot(id, (VectorSchemaRoot) e.large());
      case PRIMITIVE_ARRAY -> {
        Object array = e.large();
        byte[] meta =
            (META_ARRAY + array.getClass().getComponentType().getName())
                .getBytes(StandardCharsets.US_ASCII);
        try (PayloadWriter w = store.createPayload(id, e.size(), meta)) {
          MemorySegment.copy(segmentOf(array), 0, w.data(), 0, e.size());
          w.seal();
        }
      }
      default -> throw new IllegalStateException("unknown format " + e.format());
    }
  }

  /** Deserializes an inline Java value, registering this process as borrower of nested refs. */
  Object decode(byte[] bytes) {
    List<ObjectRefImpl<?>> nested;
    Object value;
    try (ObjectRefSerializer.Collector c = ObjectRefSerializer.Collector.open()) {
      value = serializer.deserialize(bytes);
      nested = c.refs();
    }
    if (!nested.isEmpty()) {
      borrows.accept(nested);
    }
    return value;
  }

  /**
   * Reads a value from the node's store. Arrow data comes back zero-copy and read-only: its buffers
   * lie in the store's read-only mapping, where a write through Arrow kills this process with
   * SIGSEGV (see {@link StoreClient}). Arrays and other values are copied out.
   */
  Object readFromStore(StoreClient store, ObjectId id, ValueFormat format, Duration timeout) {
    switch (format) {
      case ARROW -> {
        ArrowObject arrow = store.getRoot(id, timeout);
        return arrow.root();
      }
      case PRIMITIVE_ARRAY -> {
        try (Payload p = store.getPayload(id, timeout)) {
          return toArray(p);
        }
      }
      case FORY -> {
        byte[] bytes;
        try (Payload p = store.getPayload(id, timeout)) {
          bytes = p.toByteArray();
        }
        return decode(bytes);
      }
      default -> throw new IllegalStateException("format " + format + " is not read from a store");
    }
  }

  private static Object toArray(Payload p) {
    String meta = new String(p.metadata(), StandardCharsets.US_ASCII);
    if (!meta.startsWith(META_ARRAY)) {
      throw new PrismSerializationException(
          "object " + p.id() + " is not a primitive array" + " (metadata '" + meta + "')");
    }
    MemorySegment data = p.data();
    return switch (meta.substring(META_ARRAY.length())) {
      case "byte" -> data.toArray(ValueLayout.JAVA_BYTE);
      case "short" -> data.toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
      case "char" -> data.toArray(ValueLayout.JAVA_CHAR_UNALIGNED);
      case "int" -> data.toArray(ValueLayout.JAVA_INT_UNALIGNED);
      case "long" -> data.toArray(ValueLayout.JAVA_LONG_UNALIGNED);
      case "float" -> data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
      case "double" -> data.toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
      default ->
          throw new PrismSerializationException(
              "object " + p.id() + " has an unknown array type '" + meta + "'");
    };
  }

  private static MemorySegment segmentOf(Object array) {
    return switch (array) {
      case byte[] a -> MemorySegment.ofArray(a);
      case short[] a -> MemorySegment.ofArray(a);
      case char[] a -> MemorySegment.ofArray(a);
      case int[] a -> MemorySegment.ofArray(a);
      case long[] a -> MemorySegment.ofArray(a);
      case float[] a -> MemorySegment.ofArray(a);
      case double[] a -> MemorySegment.ofArray(a);
      default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass());
    };
  }

  private static long primitiveArrayBytes(Object value) {
    return switch (value) {
      case byte[] a -> a.length;
      case short[] a -> 2L * a.length;
      case char[] a -> 2L * a.length;
      case int[] a -> 4L * a.length;
      case long[] a -> 8L * a.length;
      case float[] a -> 4L * a.length;
      case double[] a -> 8L * a.length;
      case null, default -> -1;
    };
  }

  private static long arrowSize(VectorSchemaRoot root) {
    long size = 0;
    for (var vector : root.getFieldVectors()) {
      size += vector.getBufferSize();
    }
    return size;
  }
}
