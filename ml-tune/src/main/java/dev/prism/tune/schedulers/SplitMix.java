package dev.prism.tune.schedulers;

import java.util.Random;

/**
 * A random generator whose whole state is one long (SplitMix64), so schedulers save and restore it
 * exactly.
 */
final class SplitMix {
  private long state;

  SplitMix(long state) {
    this.state = state;
  }

  long state() {
    return state;
  }

  long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  int nextInt(int bound) {
    return (int) Math.floorMod(nextLong(), (long) bound);
  }

  /**
   * A {@link Random} view for user samplers: it draws from this generator, and a fresh one is made
   * for each sample so no cached state (as nextGaussian's) outlives a call.
   */
  Random asRandom() {
    return new Random(0) {
      @Override
      protected int next(int bits) {
        return (int) (SplitMix.this.nextLong() >>> (64 - bits));
      }
    };
  }
}
