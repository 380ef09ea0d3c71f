package dev.prism.store.internal;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.prism.store.InvalidRequestException;
import dev.prism.store.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.KeyValue;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowBuffer;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Lays objects out as Arrow IPC streams (schema message, one record batch, end-of-stream marker)
 * and reads them back zero-copy. Raw payloads are a one-row, non-nullable {@code LargeBinary}
 * column named {@code data} (64-bit offsets, so payloads may exceed 2 GiB); the schema's custom
 * metadata carries {@code prism.kind=payload} and the user metadata, base64-encoded, under {@code
 * prism.metadata}. Internal: not part of the API.
 */
public final class ArrowIpc {

  /** Schema metadata key naming the kind of object. */
  public static final String KIND_KEY = "prism.kind";

  /** Value of {@link #KIND_KEY} for raw payloads. */
  public static final String KIND_PAYLOAD = "payload";

  /** Schema metadata key of the user metadata (base64). */
  public static final String METADATA_KEY = "prism.metadata";

  /** Name of the payload column. */
  public static final String PAYLOAD_COLUMN = "data";

  private static final int CONTINUATION = 0xFFFFFFFF;
  private static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final byte[] EMPTY_SCHEMA = payloadSchema(new byte[0]);

  /** Size of the end-of-stream marker. */
  public static final int EOS_BYTES = 8;

  private ArrowIpc() {}

  // ------------------------------------------------------------------ raw payloads

  /**
   * Where the parts of a payload object go.
   *
   * @param schema the framed schema message
   * @param batch the framed record-batch message
   * @param dataOffset offset of the payload bytes in the object
   * @param dataLength the payload's size
   * @param totalSize the object's size
   */
  public record PayloadLayout(
      byte[] schema, byte[] batch, long dataOffset, long dataLength, long totalSize) {}

  /**
   * Computes the layout of a payload object.
   *
   * @param dataLength payload bytes, not negative
   * @param metadata user metadata (may be empty)
   * @return the layout
   */
  public static PayloadLayout payloadLayout(long dataLength, byte[] metadata) {
    if (dataLength < 0) {
      throw new InvalidRequestException("payload size must not be negative, got " + dataLength);
    }
    byte[] schema = metadata.length == 0 ? EMPTY_SCHEMA : payloadSchema(metadata);
    long bodyLength = 16 + pad8(dataLength);
    FlatBufferBuilder b = new FlatBufferBuilder(160);
    RecordBatch.startNodesVector(b, 1);
    FieldNode.createFieldNode(b, 1, 0);
    int nodes = b.endVector();
    RecordBatch.startBuffersVector(b, 3); // structs go in reverse order
    Buffer.createBuffer(b, 16, dataLength);
    Buffer.createBuffer(b, 0, 16);
    Buffer.createBuffer(b, 0, 0);
    int buffers = b.endVector();
    RecordBatch.startRecordBatch(b);
    RecordBatch.addLength(b, 1);
    RecordBatch.addNodes(b, nodes);
    RecordBatch.addBuffers(b, buffers);
    int rb = RecordBatch.endRecordBatch(b);
    byte[] batch =
        frame(MessageSerializer.serializeMessage(b, MessageHeader.RecordBatch, rb, bodyLength));
    long dataOffset = schema.length + batch.length + 16L;
    return new PayloadLayout(
        schema,
        batch,
        dataOffset,
        dataLength,
        schema.length + batch.length + bodyLength + EOS_BYTES);
  }

  /**
   * Writes everything of a payload object except the payload bytes themselves.
   *
   * @param obj the object's segment ({@code layout.totalSize()} bytes)
   * @param layout the layout
   */
  public static void writePayloadFraming(MemorySegment obj, PayloadLayout layout) {
    MemorySegment.copy(layout.schema, 0, obj, ValueLayout.JAVA_BYTE, 0, layout.schema.length);
    MemorySegment.copy(
        layout.batch, 0, obj, ValueLayout.JAVA_BYTE, layout.schema.length, layout.batch.length);
    long offsets = layout.dataOffset - 16;
    obj.set(LONG, offsets, 0L);
    obj.set(LONG, offsets + 8, layout.dataLength);
    long end = layout.dataOffset + layout.dataLength;
    long padEnd = layout.dataOffset + pad8(layout.dataLength);
    for (long p = end; p < padEnd; p++) {
      obj.set(ValueLayout.JAVA_BYTE, p, (byte) 0);
    }
    obj.set(INT, padEnd, CONTINUATION);
    obj.set(INT, padEnd + 4, 0);
  }

  /**
   * Where the payload of an object lies.
   *
   * @param dataOffset offset of the payload bytes in the object
   * @param dataLength payload bytes
   * @param metadata the user metadata
   */
  public record PayloadView(long dataOffset, long dataLength, byte[] metadata) {}

  /**
   * Finds the payload in a payload object.
   *
   * @param obj the object's bytes
   * @return where the payload lies
   * @throws InvalidRequestException if the object is not a payload object
   */
  public static PayloadView readPayload(MemorySegment obj) {
    try {
      int schemaLen = messageLength(obj, 0);
      Message sm = message(obj, 0, schemaLen);
      if (sm.headerType() != MessageHeader.Schema) {
        throw notPayload("it does not start with a schema message");
      }
      org.apache.arrow.flatbuf.Schema schema =
          (org.apache.arrow.flatbuf.Schema) sm.header(new org.apache.arrow.flatbuf.Schema());
      byte[] metadata = null;
      boolean isPayload = false;
      for (int i = 0; i < schema.customMetadataLength(); i++) {
        KeyValue kv = schema.customMetadata(i);
        if (KIND_KEY.equals(kv.key())) {
          isPayload = KIND_PAYLOAD.equals(kv.value());
        } else if (METADATA_KEY.equals(kv.key())) {
          metadata = Base64.getDecoder().decode(kv.value());
        }
      }
      if (!isPayload) {
        throw notPayload(
            "its schema has no "
                + KIND_KEY
                + "="
                + KIND_PAYLOAD
                + " entry (it holds a VectorSchemaRoot; use getRoot)");
      }
      long batchAt = 8L + schemaLen;
      int batchLen = messageLength(obj, batchAt);
      Message bm = message(obj, batchAt, batchLen);
      RecordBatch rb = (RecordBatch) bm.header(new RecordBatch());
      if (bm.headerType() != MessageHeader.RecordBatch || rb.buffersLength() != 3) {
        throw notPayload("its second message is not a one-column binary record batch");
      }
      long body = batchAt + 8 + batchLen;
      long offsets = body + rb.buffers(1).offset();
      long start = obj.get(LONG, offsets);
      long end = obj.get(LONG, offsets + 8);
      long dataAt = body + rb.buffers(2).offset() + start;
      if (start < 0 || end < start || dataAt + (end - start) > obj.byteSize()) {
        throw notPayload("its offsets [" + start + ", " + end + ") lie outside the object");
      }
      return new PayloadView(dataAt, end - start, metadata == null ? new byte[0] : metadata);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw notPayload("it is not a well-formed Arrow IPC stream (" + e.getMessage() + ")");
    }
  }

  private static InvalidRequestException notPayload(String why) {
    return new InvalidRequestException("object is not a raw payload: " + why);
  }

  private static byte[] payloadSchema(byte[] metadata) {
    Map<String, String> md =
        metadata.length == 0
            ? Map.of(KIND_KEY, KIND_PAYLOAD)
            : Map.of(
                KIND_KEY, KIND_PAYLOAD, METADATA_KEY, Base64.getEncoder().encodeToString(metadata));
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    PAYLOAD_COLUMN, FieldType.notNullable(ArrowType.LargeBinary.INSTANCE), null)),
            md);
    return serializeSchema(schema);
  }

  // ------------------------------------------------------------------ vector schema roots

  /** A root unloaded into a record batch, ready to be copied into an object. */
  public static final class EncodedRoot implements AutoCloseable {
    private final byte[] schema;
    private final byte[] batchMessage;
    private final ArrowRecordBatch batch;
    private final long bodyLength;

    private EncodedRoot(
        byte[] schema, byte[] batchMessage, ArrowRecordBatch batch, long bodyLength) {
      this.schema = schema;
      this.batchMessage = batchMessage;
      this.batch = batch;
      this.bodyLength = bodyLength;
    }

    /**
     * Returns the object's size.
     *
     * @return bytes
     */
    public long totalSize() {
      return schema.length + batchMessage.length + bodyLength + EOS_BYTES;
    }

    /**
     * Copies the stream into an object.
     *
     * @param obj the object's segment ({@link #totalSize()} bytes)
     */
    public void writeTo(MemorySegment obj) {
      MemorySegment.copy(schema, 0, obj, ValueLayout.JAVA_BYTE, 0, schema.length);
      MemorySegment.copy(
          batchMessage, 0, obj, ValueLayout.JAVA_BYTE, schema.length, batchMessage.length);
      long body = (long) schema.length + batchMessage.length;
      List<ArrowBuffer> layout = batch.getBuffersLayout();
      List<ArrowBuf> bufs = batch.getBuffers();
      long written = 0;
      for (int i = 0; i < bufs.size(); i++) {
        ArrowBuffer where = layout.get(i);
        long size = Math.min(where.getSize(), bufs.get(i).readableBytes());
        obj.asSlice(body + written, where.getOffset() - written).fill((byte) 0);
        if (size > 0) {
          MemorySegment src =
              MemorySegment.ofAddress(bufs.get(i).memoryAddress()).reinterpret(size);
          MemorySegment.copy(src, 0, obj, body + where.getOffset(), size);
        }
        written = where.getOffset() + size;
      }
      obj.asSlice(body + written, bodyLength - written).fill((byte) 0);
      obj.set(INT, body + bodyLength, CONTINUATION);
      obj.set(INT, body + bodyLength + 4, 0);
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  /**
   * Unloads a root (no copy yet) and serialises its schema and batch header.
   *
   * @param root the root
   * @return the encoded root; close it after writing
   */
  public static EncodedRoot encode(VectorSchemaRoot root) {
    for (Field f : root.getSchema().getFields()) {
      checkNoDictionary(f);
    }
    byte[] schema = serializeSchema(root.getSchema());
    ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch();
    try {
      byte[] batchMessage = frame(MessageSerializer.serializeMetadata(batch, IpcOption.DEFAULT));
      return new EncodedRoot(schema, batchMessage, batch, batch.computeBodyLength());
    } catch (RuntimeException e) {
      batch.close();
      throw e;
    }
  }

  private static void checkNoDictionary(Field f) {
    if (f.getDictionary() != null) {
      throw new InvalidRequestException(
          "field '"
              + f.getName()
              + "' is dictionary-encoded;"
              + " the store keeps one record batch per object: decode it before putting the root");
    }
    for (Field c : f.getChildren()) {
      checkNoDictionary(c);
    }
  }

  /**
   * Loads the root stored in an object without copying: every buffer of the returned root points
   * into {@code obj}.
   *
   * @param obj the object's bytes (in the shared mapping)
   * @param allocator the allocator that accounts for the wrapped memory
   * @param onRelease run once when the last buffer of the root is released
   * @return the root; closing it (and every vector transferred out of it) releases the memory
   */
  public static VectorSchemaRoot readRoot(
      MemorySegment obj, BufferAllocator allocator, Runnable onRelease) {
    Schema schema;
    Message bm;
    long bodyAt;
    try {
      int schemaLen = messageLength(obj, 0);
      Message sm = message(obj, 0, schemaLen);
      if (sm.headerType() != MessageHeader.Schema) {
        throw new InvalidRequestException("object does not start with an Arrow schema message");
      }
      schema = MessageSerializer.deserializeSchema(sm);
      long batchAt = 8L + schemaLen;
      int batchLen = messageLength(obj, batchAt);
      bm = message(obj, batchAt, batchLen);
      if (bm.headerType() != MessageHeader.RecordBatch) {
        throw new InvalidRequestException(
            "object's second Arrow message is of type "
                + MessageHeader.name(bm.headerType())
                + ", expected a RecordBatch"
                + " (dictionary batches are not supported)");
      }
      bodyAt = batchAt + 8 + batchLen;
      if (bodyAt + bm.bodyLength() > obj.byteSize()) {
        throw new InvalidRequestException(
            "object's record batch body of "
                + bm.bodyLength()
                + " bytes runs past the object's end");
      }
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new InvalidRequestException(
          "object is not a well-formed Arrow IPC stream (" + e.getMessage() + ")", e);
    }
    ArrowBuf body =
        allocator.wrapForeignAllocation(
            new ForeignAllocation(bm.bodyLength(), obj.address() + bodyAt) {
              @Override
              protected void release0() {
                onRelease.run();
              }
            });
    body.getReferenceManager().retain(); // deserializeRecordBatch releases one reference
    VectorSchemaRoot root = null;
    try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(bm, body)) {
      root = VectorSchemaRoot.create(schema, allocator);
      new VectorLoader(root).load(batch);
      return root;
    } catch (IOException | RuntimeException e) {
      if (root != null) {
        root.close();
      }
      throw new StoreException("cannot load the record batch of an object: " + e.getMessage(), e);
    } finally {
      body.getReferenceManager().release();
    }
  }

  // ------------------------------------------------------------------ framing

  private static byte[] serializeSchema(Schema schema) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try {
      MessageSerializer.serialize(new WriteChannel(Channels.newChannel(bytes)), schema);
    } catch (IOException e) {
      throw new StoreException("cannot serialise schema " + schema, e);
    }
    return bytes.toByteArray();
  }

  /** Frames a flatbuffer message: continuation, padded length, message, zero padding to 8. */
  private static byte[] frame(ByteBuffer message) {
    int len = message.remaining();
    int padded = (int) pad8(len + 8L) - 8;
    byte[] out = new byte[8 + padded];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(CONTINUATION).putInt(padded).put(message);
    return out;
  }

  private static int messageLength(MemorySegment obj, long at) {
    if (obj.get(INT, at) != CONTINUATION) {
      throw new InvalidRequestException("no Arrow IPC continuation marker at offset " + at);
    }
    int len = obj.get(INT, at + 4);
    if (len <= 0 || at + 8 + len > obj.byteSize()) {
      throw new InvalidRequestException("bad Arrow IPC message length " + len + " at offset " + at);
    }
    return len;
  }

  private static Message message(MemorySegment obj, long at, int len) {
    ByteBuffer bb = obj.asSlice(at + 8, len).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return Message.getRootAsMessage(bb);
  }

  private static long pad8(long n) {
    return (n + 7) & -8L;
  }
}
