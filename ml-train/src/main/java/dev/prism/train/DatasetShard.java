package dev.prism.train;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * A rank's view of a {@link Dataset}, read in place from the object store. {@link #batches} splits
 * each global batch ({@code batchSize * worldSize} rows of one shuffled order of all rows, the same
 * order on every rank) into one part per rank, so N ranks together take the same steps as one
 * process with N times the batch; every rank gets the same number of batches (the last, incomplete
 * global batch is dropped), which keeps collective calls in step. {@link #evalBatches} gives the
 * rank a contiguous slice of the rows, in order, for evaluation.
 */
public final class DatasetShard implements AutoCloseable {
  private final VectorSchemaRoot root;
  private final MemorySegment features;
  private final MemorySegment labels;
  private final int rows;
  private final int featureSize;
  private final int rank;
  private final int worldSize;
  private final long seed;
  private final Arena arena = Arena.ofConfined();
  private MemorySegment trainBuffer;
  private MemorySegment evalBuffer;

  DatasetShard(VectorSchemaRoot root, int rank, int worldSize, long seed) {
    this.featureSize = Dataset.check(root);
    this.root = root;
    this.rows = root.getRowCount();
    this.rank = rank;
    this.worldSize = worldSize;
    this.seed = seed;
    FixedSizeListVector fv = (FixedSizeListVector) root.getVector(Dataset.FEATURES);
    IntVector lv = (IntVector) root.getVector(Dataset.LABEL);
    this.features =
        MemorySegment.ofAddress(fv.getDataVector().getDataBuffer().memoryAddress())
            .reinterpret((long) rows * featureSize * 4);
    this.labels =
        MemorySegment.ofAddress(lv.getDataBuffer().memoryAddress()).reinterpret((long) rows * 4);
  }

  /**
   * The number of rows of the whole data set.
   *
   * @return the rows
   */
  public int rows() {
    return rows;
  }

  /**
   * The number of features per row.
   *
   * @return the feature length
   */
  public int featureSize() {
    return featureSize;
  }

  /**
   * How many batches {@link #batches} yields per epoch on every rank.
   *
   * @param batchSize rows per rank per batch
   * @return the batches per epoch
   */
  public int batchesPerEpoch(int batchSize) {
    checkBatch(batchSize);
    return rows / (batchSize * worldSize);
  }

  /**
   * This rank's part of each global batch of one epoch, in an order shuffled by the seed and the
   * epoch.
   *
   * @param batchSize rows per rank per batch
   * @param epoch the epoch (a different order each)
   * @return the batches, the buffer reused from one to the next
   */
  public Iterable<Batch> batches(int batchSize, int epoch) {
    checkBatch(batchSize);
    int[] order = permutation(epoch);
    int global = batchSize * worldSize;
    int count = rows / global;
    return () ->
        new BatchIterator(
            order, count, batchSize, i -> i * global + rank * batchSize, Integer.MAX_VALUE, false);
  }

  /**
   * This rank's contiguous slice of the rows (rows {@code rank * rows / worldSize} up to the next
   * rank's start), in order, in batches of at most {@code batchSize}: for evaluation.
   *
   * @param batchSize the largest batch
   * @return the batches, the buffer reused from one to the next
   */
  public Iterable<Batch> evalBatches(int batchSize) {
    checkBatch(batchSize);
    int from = (int) ((long) rows * rank / worldSize);
    int to = (int) ((long) rows * (rank + 1) / worldSize);
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    int count = (to - from + batchSize - 1) / batchSize;
    return () -> new BatchIterator(order, count, batchSize, i -> from + i * batchSize, to, true);
  }

  private int[] permutation(int epoch) {
    return epochOrder(rows, seed, epoch);
  }

  /**
   * The shuffled order of all rows in one epoch, the same on every rank: what {@link #batches} cuts
   * into global batches (for a reference run outside the trainer that takes the same steps).
   *
   * @param rows the number of rows
   * @param seed the trainer's seed
   * @param epoch the epoch
   * @return a permutation of {@code 0..rows-1}
   */
  public static int[] epochOrder(int rows, long seed, int epoch) {
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    Random random = new Random(seed * 1_000_003L + epoch);
    for (int i = rows - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private void checkBatch(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize is " + batchSize + "; give 1 or more");
    }
  }

  private final class BatchIterator implements Iterator<Batch> {
    private final int[] order;
    private final int count;
    private final int batchSize;
    private final java.util.function.IntUnaryOperator start;
    private final int end;
    private final MemorySegment buffer;
    private int next;

    BatchIterator(
        int[] order,
        int count,
        int batchSize,
        java.util.function.IntUnaryOperator start,
        int end,
        boolean eval) {
      this.order = order;
      this.count = count;
      this.batchSize = batchSize;
      this.start = start;
      this.end = end;
      this.buffer = buffer((long) batchSize * featureSize * 4, eval);
    }

    @Override
    public boolean hasNext() {
      return next < count;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int first = start.applyAsInt(next++);
      int size = Math.min(batchSize, Math.min(end, order.length) - first);
      long rowBytes = (long) featureSize * 4;
      int[] y = new int[size];
      for (int i = 0; i < size; i++) {
        int row = order[first + i];
        MemorySegment.copy(features, row * rowBytes, buffer, i * rowBytes, rowBytes);
        y[i] = labels.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, row);
      }
      var fb =
          buffer
              .asSlice(0, size * rowBytes)
              .asByteBuffer()
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer();
      return new Batch(fb, y, size, featureSize);
    }
  }

  /** One reused buffer for training batches and one for evaluation, grown when needed. */
  private MemorySegment buffer(long bytes, boolean eval) {
    MemorySegment b = eval ? evalBuffer : trainBuffer;
    if (b == null || b.byteSize() < bytes) {
      b = arena.allocate(Math.max(bytes, 64), 64);
      if (eval) {
        evalBuffer = b;
      } else {
        trainBuffer = b;
      }
    }
    return b;
  }

  /** Releases the table's mapping and the batch buffers. */
  @Override
  public void close() {
    arena.close();
    root.close();
  }
}
