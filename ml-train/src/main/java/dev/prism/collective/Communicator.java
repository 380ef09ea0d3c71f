package dev.prism.collective;

import dev.prism.collective.internal.Reduction;
import dev.prism.collective.internal.RingLinks;
import dev.prism.collective.internal.SharedBuffers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One rank's side of a collective group: allreduce, broadcast, allgather and barrier with the other
 * ranks, directly between the processes, never through the GCS: a ring over TCP (each rank sends to
 * the next and receives from the previous) and, when every rank is on one host, shared memory for
 * allreduce of {@value #SHARED_MIN_BYTES} bytes and more. Get one from {@link CollectiveGroup#join}
 * or {@link Endpoint#connect}.
 *
 * <p>Buffers are {@link MemorySegment}s: off-heap ones travel without a copy, heap ones (and the
 * array overloads) through an off-heap copy. Every rank must call the same operations in the same
 * order with buffers of the same size; a rank that does not, a peer that dies, or an operation that
 * runs past the timeout fails the operation with a {@link CollectiveException} on every rank, and
 * the communicator stays broken. Allreduce is a ring reduce-scatter then allgather, so each rank
 * sends and receives {@code 2 (n-1)/n} times the buffer, and every rank ends with the same bytes.
 *
 * <p>A communicator is for one thread at a time.
 */
public final class Communicator implements AutoCloseable {
  private static final int REDUCE_SCATTER = 0;
  private static final int GATHER = 1;
  private static final int BROADCAST = 2;
  private static final List<String> OPS =
      List.of("allreduce", "allreduce", "broadcast", "allgather");
  private static final int ALLGATHER = 3;
  private static final long CHUNK = 1L << 20;

  /**
   * From this size on, a group whose ranks share one host reduces through shared memory; below, the
   * TCP ring's fewer round trips win.
   */
  static final long SHARED_MIN_BYTES = 1L << 20;

  private final int rank;
  private final int worldSize;
  private final RingLinks links;
  private final Duration timeout;
  private final Arena arena = Arena.ofShared();
  private final SharedBuffers shared;
  private final MemorySegment barrierCell;
  private MemorySegment scratch;
  private long seq;
  private long sharedOps;
  private boolean closed;

  Communicator(int rank, int worldSize, RingLinks links, SharedBuffers shared, Duration timeout) {
    this.rank = rank;
    this.worldSize = worldSize;
    this.links = links;
    this.shared = shared;
    this.timeout = timeout;
    this.barrierCell = arena.allocate(8, 8);
  }

  /**
   * This process's rank, 0 to {@code worldSize() - 1}.
   *
   * @return the rank
   */
  public int rank() {
    return rank;
  }

  /**
   * The number of ranks in the group.
   *
   * @return the group's size
   */
  public int worldSize() {
    return worldSize;
  }

  /**
   * Combines every rank's {@code data} element by element, and leaves the result in {@code data} on
   * every rank.
   *
   * @param data the elements, the same size on every rank (a multiple of the type's size)
   * @param type the element type
   * @param op how to combine; MEAN for floating-point types only
   * @throws CollectiveException if a peer fails, the ranks disagree, or the timeout passes
   * @throws IllegalArgumentException if the size is not a whole number of elements, or MEAN is
   *     asked of an integer type
   */
  public void allreduce(MemorySegment data, DataType type, ReduceOp op) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(op, "op");
    checkOpen("allreduce");
    if (data.byteSize() % type.bytes() != 0) {
      throw new IllegalArgumentException(
          "data holds " + data.byteSize() + " bytes, not a whole number of " + type + " elements");
    }
    if (op == ReduceOp.MEAN && !type.isFloatingPoint()) {
      throw new IllegalArgumentException("MEAN needs FLOAT32 or FLOAT64, not " + type);
    }
    if (!data.isNative()) {
      offHeap(data, copy -> allreduce(copy, type, op));
      return;
    }
    long count = data.byteSize() / type.bytes();
    if (shared != null && data.byteSize() >= SHARED_MIN_BYTES) {
      sharedAllreduce(data, count, type, op);
    } else {
      ringAllreduce(data, count, type, op);
    }
    if (op == ReduceOp.MEAN && worldSize > 1) {
      Reduction.scale(data, count, type, worldSize);
    }
  }

  /**
   * Allreduce through the ranks' shared buffers (all ranks on one host). Each buffer has two halves
   * used by alternate operations, so an operation never waits for the readers of the one before it.
   * Rank r: copies the slices the others will sum into its half (all but slice r); after a barrier,
   * sums slice r of every rank straight into its own data and publishes it; after a second barrier,
   * copies every other slice's sum from the rank that made it.
   */
  private void sharedAllreduce(MemorySegment data, long count, DataType type, ReduceOp op) {
    long bytes = data.byteSize();
    try {
      shared.ensure(2 * bytes, this::barrier);
    } catch (java.io.UncheckedIOException e) {
      links.breakWith(e.getMessage());
      throw new CollectiveException("allreduce on rank " + rank + " failed: " + e.getMessage(), e);
    }
    long half = (sharedOps++ & 1) == 0 ? 0 : shared.capacity() / 2;
    MemorySegment own = shared.buffer(rank).asSlice(half, bytes);
    for (int k = 0; k < worldSize; k++) {
      if (k != rank) {
        part(own, count, type, k).copyFrom(part(data, count, type, k));
      }
    }
    barrier();
    MemorySegment mine = part(data, count, type, rank);
    for (int k = 0; k < worldSize; k++) {
      if (k != rank) {
        MemorySegment theirs = part(shared.buffer(k).asSlice(half, bytes), count, type, rank);
        Reduction.combine(mine, theirs, mine.byteSize() / type.bytes(), type, op);
      }
    }
    part(own, count, type, rank).copyFrom(mine);
    barrier();
    for (int k = 0; k < worldSize; k++) {
      if (k != rank) {
        part(data, count, type, k)
            .copyFrom(part(shared.buffer(k).asSlice(half, bytes), count, type, k));
      }
    }
  }

  private void ringAllreduce(MemorySegment data, long count, DataType type, ReduceOp op) {
    run(
        "allreduce",
        deadline -> {
          int n = worldSize;
          for (int s = 0; s < n - 1; s++) {
            MemorySegment out = part(data, count, type, Math.floorMod(rank - s, n));
            MemorySegment in = part(data, count, type, Math.floorMod(rank - s - 1, n));
            MemorySegment buf = scratch(Math.min(CHUNK, in.byteSize()));
            links.step(
                REDUCE_SCATTER,
                seq,
                out,
                -1,
                in.byteSize(),
                new RingLinks.Receiver() {
                  @Override
                  public MemorySegment next(long offset, long remaining) {
                    return buf.asSlice(0, Math.min(CHUNK, remaining));
                  }

                  @Override
                  public void filled(long offset, MemorySegment piece) {
                    Reduction.combine(
                        in.asSlice(offset, piece.byteSize()),
                        piece,
                        piece.byteSize() / type.bytes(),
                        type,
                        op);
                  }
                },
                deadline,
                OPS);
          }
          for (int s = 0; s < n - 1; s++) {
            MemorySegment out = part(data, count, type, Math.floorMod(rank + 1 - s, n));
            MemorySegment in = part(data, count, type, Math.floorMod(rank - s, n));
            links.step(GATHER, seq, out, -1, in.byteSize(), into(in), deadline, OPS);
          }
        });
  }

  /**
   * {@link #allreduce(MemorySegment, DataType, ReduceOp)} of a float array, in place.
   *
   * @param data the values, the same length on every rank
   * @param op how to combine
   */
  public void allreduce(float[] data, ReduceOp op) {
    allreduce(MemorySegment.ofArray(data), DataType.FLOAT32, op);
  }

  /**
   * {@link #allreduce(MemorySegment, DataType, ReduceOp)} of a double array, in place.
   *
   * @param data the values, the same length on every rank
   * @param op how to combine
   */
  public void allreduce(double[] data, ReduceOp op) {
    allreduce(MemorySegment.ofArray(data), DataType.FLOAT64, op);
  }

  /**
   * Copies {@code root}'s {@code data} into {@code data} on every other rank. Large buffers are
   * pipelined around the ring in chunks.
   *
   * @param data the root's bytes; on the others, where they go (the same size on every rank)
   * @param root the rank whose data everyone gets
   * @throws CollectiveException if a peer fails, the ranks disagree, or the timeout passes
   */
  public void broadcast(MemorySegment data, int root) {
    Objects.requireNonNull(data, "data");
    checkOpen("broadcast");
    checkRank("root", root);
    if (!data.isNative()) {
      offHeap(data, copy -> broadcast(copy, root));
      return;
    }
    run(
        "broadcast",
        deadline -> {
          int n = worldSize;
          if (rank == root) {
            links.step(BROADCAST, seq, data, -1, -1, null, deadline, OPS);
            return;
          }
          boolean forward = Math.floorMod(rank + 1, n) != root;
          long size = data.byteSize();
          links.step(
              BROADCAST,
              seq,
              null,
              forward ? size : -1,
              size,
              new RingLinks.Receiver() {
                @Override
                public MemorySegment next(long offset, long remaining) {
                  return data.asSlice(offset, Math.min(CHUNK, remaining));
                }

                @Override
                public void filled(long offset, MemorySegment piece) {
                  if (forward) {
                    links.forward(piece);
                  }
                }
              },
              deadline,
              OPS);
        });
  }

  /**
   * {@link #broadcast(MemorySegment, int)} of a byte array, in place.
   *
   * @param data the root's bytes, or where they go
   * @param root the rank whose data everyone gets
   */
  public void broadcast(byte[] data, int root) {
    broadcast(MemorySegment.ofArray(data), root);
  }

  /**
   * {@link #broadcast(MemorySegment, int)} of a float array, in place.
   *
   * @param data the root's values, or where they go
   * @param root the rank whose data everyone gets
   */
  public void broadcast(float[] data, int root) {
    broadcast(MemorySegment.ofArray(data), root);
  }

  /**
   * Gathers every rank's {@code in} into {@code out}, in rank order, on every rank.
   *
   * @param in this rank's bytes (the same size on every rank)
   * @param out {@code worldSize() * in.byteSize()} bytes; block {@code r} receives rank r's bytes
   * @throws CollectiveException if a peer fails, the ranks disagree, or the timeout passes
   * @throws IllegalArgumentException if {@code out} has the wrong size
   */
  public void allgather(MemorySegment in, MemorySegment out) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    checkOpen("allgather");
    long block = in.byteSize();
    if (out.byteSize() != block * worldSize) {
      throw new IllegalArgumentException(
          "out holds "
              + out.byteSize()
              + " bytes; allgather of "
              + block
              + " bytes from "
              + worldSize
              + " ranks needs "
              + block * worldSize);
    }
    if (!in.isNative()) {
      offHeap(in, copy -> allgather(copy, out));
      return;
    }
    if (!out.isNative()) {
      offHeap(out, copy -> allgather(in, copy));
      return;
    }
    out.asSlice(rank * block, block).copyFrom(in);
    run(
        "allgather",
        deadline -> {
          int n = worldSize;
          for (int s = 0; s < n - 1; s++) {
            MemorySegment send = out.asSlice(Math.floorMod(rank - s, n) * block, block);
            MemorySegment recv = out.asSlice(Math.floorMod(rank - s - 1, n) * block, block);
            links.step(ALLGATHER, seq, send, -1, block, into(recv), deadline, OPS);
          }
        });
  }

  /**
   * Returns once every rank has called it.
   *
   * @throws CollectiveException if a peer fails or the timeout passes
   */
  public void barrier() {
    checkOpen("barrier");
    barrierCell.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L);
    allreduce(barrierCell, DataType.INT64, ReduceOp.SUM);
  }

  /** Closes the connections and frees the buffers; the peers' next operation fails. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    links.close();
    if (shared != null) {
      shared.close();
    }
    arena.close();
  }

  /**
   * Runs {@code op} on an off-heap copy of a heap segment and copies the result back (sockets take
   * heap memory only as byte arrays).
   */
  private static void offHeap(MemorySegment heap, java.util.function.Consumer<MemorySegment> op) {
    try (Arena temp = Arena.ofConfined()) {
      MemorySegment copy =
          temp.allocate(Math.max(1, heap.byteSize()), 64).asSlice(0, heap.byteSize());
      copy.copyFrom(heap);
      op.accept(copy);
      heap.copyFrom(copy);
    }
  }

  private interface Steps {
    void run(long deadline) throws IOException;
  }

  private static RingLinks.Receiver into(MemorySegment dst) {
    return new RingLinks.Receiver() {
      @Override
      public MemorySegment next(long offset, long remaining) {
        return dst.asSlice(offset, remaining);
      }

      @Override
      public void filled(long offset, MemorySegment piece) {}
    };
  }

  private void run(String what, Steps steps) {
    checkOpen(what);
    String broken = links.brokenReason();
    if (broken != null) {
      throw new CollectiveException(
          what + " on rank " + rank + " cannot run: the group is broken (" + broken + ")");
    }
    seq++;
    if (worldSize == 1) {
      return;
    }
    try {
      steps.run(System.nanoTime() + timeout.toNanos());
    } catch (java.net.SocketTimeoutException e) {
      String reason = what + " on rank " + rank + " ran past its timeout of " + timeout;
      links.breakWith(reason);
      throw new CollectiveException(reason, e);
    } catch (IOException e) {
      links.breakWith(what + " failed on rank " + rank + ": " + e.getMessage());
      throw new CollectiveException(
          what
              + " on rank "
              + rank
              + " lost its connection to a peer ("
              + e.getMessage()
              + "): a rank died or closed its communicator",
          e);
    } catch (CollectiveException e) {
      links.breakWith(e.getMessage());
      throw e;
    }
  }

  private MemorySegment part(MemorySegment data, long count, DataType type, int index) {
    long from = count * index / worldSize;
    long to = count * (index + 1) / worldSize;
    return data.asSlice(from * type.bytes(), (to - from) * type.bytes());
  }

  private MemorySegment scratch(long bytes) {
    if (scratch == null || scratch.byteSize() < bytes) {
      scratch = arena.allocate(Math.max(bytes, 64), 64);
    }
    return scratch;
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new CollectiveException(what + " on a closed communicator (rank " + rank + ")");
    }
  }

  private void checkRank(String what, int r) {
    if (r < 0 || r >= worldSize) {
      throw new IllegalArgumentException(
          what + " is " + r + "; ranks run from 0 to " + (worldSize - 1));
    }
  }
}
