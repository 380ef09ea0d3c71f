package dev.prism.runtime.node;

import dev.prism.runtime.rpc.PullChunk;
import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.function.LongFunction;

/**
 * The response side of one pull: parses each {@link PullChunk} off the wire straight into the
 * object being written in the store, so a chunk's bytes go from gRPC's receive buffers to the
 * shared mapping in one copy (no protobuf {@code ByteString}, no heap buffer per chunk).
 *
 * <p>gRPC parses the responses of a blocking call on the thread that iterates them, so the writes
 * happen on the pull's own thread (which owns the store writer). The messages it returns carry the
 * total size and offset only; {@link #received()} says how many bytes were written. Not
 * thread-safe; one instance per pull.
 */
final class PullReceiver implements MethodDescriptor.Marshaller<PullChunk> {

  private static final int TOTAL_SIZE = 1;
  private static final int OFFSET = 2;
  private static final int DATA = 3;

  private final String what;
  private final LongFunction<MemorySegment> open;
  private MemorySegment target;
  private long total = -1;
  private long received;
  private byte[] scratch;
  private RuntimeException failure;

  /**
   * @param what the pull, for messages
   * @param open creates the object once its size is known (first chunk); returns its segment
   */
  PullReceiver(String what, LongFunction<MemorySegment> open) {
    this.what = what;
    this.open = open;
  }

  /** Bytes written so far. */
  long received() {
    return received;
  }

  /**
   * The first error this receiver threw while parsing (gRPC reports it as a cancelled call, with
   * the cause buried), or null.
   */
  RuntimeException failure() {
    return failure;
  }

  /** The object's size, or -1 before the first chunk. */
  long total() {
    return total;
  }

  @Override
  public InputStream stream(PullChunk value) {
    throw new UnsupportedOperationException("a pull receiver only parses responses");
  }

  @Override
  public PullChunk parse(InputStream in) {
    try {
      return parseChunk(in);
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      }
      throw e;
    }
  }

  private PullChunk parseChunk(InputStream in) {
    try {
      long chunkTotal = 0;
      long offset = 0;
      long length = 0;
      boolean data = false;
      for (long tag; (tag = readVarint(in, true)) >= 0; ) {
        int field = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        if (field == TOTAL_SIZE && wire == 0) {
          chunkTotal = readVarint(in, false);
        } else if (field == OFFSET && wire == 0) {
          offset = readVarint(in, false);
        } else if (field == DATA && wire == 2 && !data) {
          data = true;
          length = readVarint(in, false);
          MemorySegment dest = targetFor(chunkTotal, offset, length);
          copy(in, dest, offset, length);
        } else {
          throw dataLoss("unexpected field " + field + " (wire type " + wire + ")");
        }
      }
      if (!data) {
        targetFor(chunkTotal, offset, 0);
      }
      received += length;
      return PullChunk.newBuilder().setTotalSize(chunkTotal).setOffset(offset).build();
    } catch (IOException e) {
      throw new StatusRuntimeException(
          Status.DATA_LOSS.withDescription(what + ": " + e).withCause(e));
    }
  }

  private MemorySegment targetFor(long chunkTotal, long offset, long length) {
    if (total < 0) {
      if (chunkTotal < 0) {
        throw dataLoss("negative object size " + chunkTotal);
      }
      total = chunkTotal;
      target = open.apply(chunkTotal);
    } else if (chunkTotal != total) {
      throw dataLoss("object size changed from " + total + " to " + chunkTotal);
    }
    if (offset != received) {
      throw dataLoss("chunk at offset " + offset + ", expected " + received);
    }
    if (length < 0 || offset + length > total) {
      throw dataLoss(
          "chunk of "
              + length
              + " bytes at "
              + offset
              + " exceeds the object's "
              + total
              + " bytes");
    }
    return target;
  }

  private void copy(InputStream in, MemorySegment dest, long at, long length) throws IOException {
    long left = length;
    long position = at;
    if (in instanceof HasByteBuffer hb && hb.byteBufferSupported()) {
      while (left > 0) {
        ByteBuffer bb = hb.getByteBuffer();
        if (bb == null || !bb.hasRemaining()) {
          break;
        }
        int n = (int) Math.min(bb.remaining(), left);
        MemorySegment.copy(MemorySegment.ofBuffer(bb), 0, dest, position, n);
        long skipped = in.skip(n);
        if (skipped != n) {
          throw new IOException("skipped " + skipped + " of " + n + " bytes");
        }
        position += n;
        left -= n;
      }
    }
    if (left > 0) {
      if (scratch == null) {
        scratch = new byte[64 << 10];
      }
      while (left > 0) {
        int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
        if (n < 0) {
          throw new IOException("message ended " + left + " bytes early");
        }
        MemorySegment.copy(MemorySegment.ofArray(scratch), 0, dest, position, n);
        position += n;
        left -= n;
      }
    }
  }

  /** Reads a varint; at a message's end returns -1 when {@code endOk}. */
  private static long readVarint(InputStream in, boolean endOk) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0 && endOk) {
          return -1;
        }
        throw new IOException("message ended inside a varint");
      }
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("malformed varint");
  }

  private StatusRuntimeException dataLoss(String why) {
    return new StatusRuntimeException(Status.DATA_LOSS.withDescription(what + ": " + why));
  }
}
