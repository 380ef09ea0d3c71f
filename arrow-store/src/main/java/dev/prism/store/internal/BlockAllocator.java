package dev.prism.store.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Best-fit allocator of byte ranges in a region, with 64-byte alignment and coalescing of
 * neighbouring free blocks. Free blocks are indexed twice: by offset (to coalesce on free) and by
 * (size, offset) (to find the smallest block that fits). Not thread-safe: the store core calls it
 * under its lock. Internal: not part of the API.
 */
public final class BlockAllocator {

  /** Alignment of every block (a cache line; Arrow asks for 8 or 64). */
  public static final long ALIGNMENT = 64;

  private final long capacity;
  private final TreeMap<Long, Long> freeByOffset = new TreeMap<>();
  private final TreeSet<long[]> freeBySize =
      new TreeSet<>((a, b) -> a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[0], b[0]));
  private long used;

  /**
   * Creates an allocator over {@code [0, capacity)}.
   *
   * @param capacity bytes; rounded down to the alignment
   */
  public BlockAllocator(long capacity) {
    this.capacity = capacity & -ALIGNMENT;
    if (this.capacity > 0) {
      addFree(0, this.capacity);
    }
  }

  /**
   * Rounds a size up to the alignment.
   *
   * @param size bytes, not negative
   * @return the aligned size
   */
  public static long align(long size) {
    return (size + ALIGNMENT - 1) & -ALIGNMENT;
  }

  /**
   * Allocates a block.
   *
   * @param size bytes, positive
   * @return the block's offset, or -1 when no free block is large enough
   */
  public long allocate(long size) {
    long need = align(size);
    long[] best = freeBySize.ceiling(new long[] {-1, need});
    if (best == null) {
      return -1;
    }
    removeFree(best[0], best[1]);
    if (best[1] > need) {
      addFree(best[0] + need, best[1] - need);
    }
    used += need;
    return best[0];
  }

  /**
   * Frees a block (or any aligned part of allocated space that was not yet freed).
   *
   * @param offset the block's offset
   * @param size the size that was passed to {@link #allocate(long)}
   */
  public void free(long offset, long size) {
    long len = align(size);
    if (len == 0) {
      return;
    }
    used -= len;
    long start = offset;
    long end = offset + len;
    Map.Entry<Long, Long> before = freeByOffset.floorEntry(offset);
    if (before != null && before.getKey() + before.getValue() == offset) {
      removeFree(before.getKey(), before.getValue());
      start = before.getKey();
    }
    Long afterSize = freeByOffset.get(end);
    if (afterSize != null) {
      removeFree(end, afterSize);
      end += afterSize;
    }
    addFree(start, end - start);
  }

  /**
   * Returns the size of the largest free block.
   *
   * @return bytes
   */
  public long largestFree() {
    return freeBySize.isEmpty() ? 0 : freeBySize.last()[1];
  }

  /**
   * Returns the bytes currently allocated.
   *
   * @return bytes
   */
  public long used() {
    return used;
  }

  /**
   * Returns the usable capacity.
   *
   * @return bytes
   */
  public long capacity() {
    return capacity;
  }

  /**
   * Returns the number of free blocks (a measure of fragmentation).
   *
   * @return the count
   */
  public int freeBlocks() {
    return freeByOffset.size();
  }

  private void addFree(long offset, long size) {
    freeByOffset.put(offset, size);
    freeBySize.add(new long[] {offset, size});
  }

  private void removeFree(long offset, long size) {
    freeByOffset.remove(offset);
    freeBySize.remove(new long[] {offset, size});
  }
}
