package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.store.internal.BlockAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockAllocatorTest {

  @Test
  void alignsBestFitsAndCoalesces() {
    BlockAllocator a = new BlockAllocator(1 << 20);
    long x = a.allocate(1);
    long y = a.allocate(100);
    long z = a.allocate(64);
    assertThat(x % 64).isZero();
    assertThat(y).isEqualTo(64);
    assertThat(z).isEqualTo(64 + 128);
    a.free(y, 100);
    assertThat(a.freeBlocks()).isEqualTo(2);
    // best fit: the 128-byte hole, not the big tail
    assertThat(a.allocate(120)).isEqualTo(y);
    a.free(x, 1);
    a.free(y, 120);
    a.free(z, 64);
    assertThat(a.freeBlocks()).isEqualTo(1);
    assertThat(a.used()).isZero();
    assertThat(a.largestFree()).isEqualTo(1 << 20);
  }

  @Test
  void survivesRandomFragmentationWithoutLosingBytes() {
    BlockAllocator a = new BlockAllocator(64L << 20);
    Random r = new Random(42);
    List<long[]> live = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      if (!live.isEmpty() && (r.nextBoolean() || a.largestFree() < (1 << 20))) {
        long[] b = live.remove(r.nextInt(live.size()));
        a.free(b[0], b[1]);
      } else {
        long size = 1 + r.nextInt(1 << 18);
        long off = a.allocate(size);
        assertThat(off).isNotNegative();
        for (long[] other : live) {
          assertThat(off + size <= other[0] || other[0] + other[1] <= off)
              .as("blocks overlap")
              .isTrue();
        }
        live.add(new long[] {off, size});
      }
    }
    for (long[] b : live) {
      a.free(b[0], b[1]);
    }
    assertThat(a.used()).isZero();
    assertThat(a.freeBlocks()).isEqualTo(1);
  }

  @Test
  void reportsNoSpace() {
    BlockAllocator a = new BlockAllocator(1024);
    assertThat(a.allocate(1024)).isZero();
    assertThat(a.allocate(1)).isEqualTo(-1);
  }
}
