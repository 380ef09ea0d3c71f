package dev.prism.tune.search;

import java.math.BigDecimal;

/** The domains' checks and rounding. */
final class DomainChecks {
  private DomainChecks() {}

  static void bounds(String kind, double lo, double hi) {
    if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
      throw new IllegalArgumentException(
          kind + ": bounds must be finite numbers, got lo=" + lo + ", hi=" + hi);
    }
    if (lo >= hi) {
      throw new IllegalArgumentException(
          kind + ": lo must be below hi, got lo=" + lo + ", hi=" + hi);
    }
  }

  static void positive(String kind, double lo) {
    if (lo <= 0) {
      throw new IllegalArgumentException(kind + ": lo must be positive, got lo=" + lo);
    }
  }

  static void quantum(String kind, double lo, double hi, double q) {
    if (!(q > 0) || !Double.isFinite(q)) {
      throw new IllegalArgumentException(kind + ": q must be positive and finite, got " + q);
    }
    if (firstMultiple(lo, q) > lastMultiple(hi, q)) {
      throw new IllegalArgumentException(
          kind + ": no multiple of q=" + q + " lies in [" + lo + ", " + hi + "]");
    }
  }

  static void normal(String kind, double mean, double sd) {
    if (!Double.isFinite(mean) || !Double.isFinite(sd)) {
      throw new IllegalArgumentException(
          kind + ": mean and sd must be finite numbers, got mean=" + mean + ", sd=" + sd);
    }
    if (sd <= 0) {
      throw new IllegalArgumentException(kind + ": sd must be positive, got sd=" + sd);
    }
  }

  /** The index of the smallest multiple of q at or above lo. */
  static long firstMultiple(double lo, double q) {
    return (long) Math.ceil(lo / q - 1e-9);
  }

  /** The index of the largest multiple of q at or below hi. */
  static long lastMultiple(double hi, double q) {
    return (long) Math.floor(hi / q + 1e-9);
  }

  /** k times q without binary noise (3 x 0.1 gives 0.3). */
  static double multiple(long k, double q) {
    return BigDecimal.valueOf(k).multiply(BigDecimal.valueOf(q)).doubleValue();
  }

  /** v rounded to the nearest multiple of q within [lo, hi]. */
  static double quantize(double v, double lo, double hi, double q) {
    long k = Math.round(v / q);
    k = Math.max(firstMultiple(lo, q), Math.min(lastMultiple(hi, q), k));
    return multiple(k, q);
  }
}
