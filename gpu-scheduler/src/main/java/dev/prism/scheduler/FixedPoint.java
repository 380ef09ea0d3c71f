package dev.prism.scheduler;

/**
 * Fixed-point resource quantities: every amount is held as a {@code long} count of {@code 1/}{@link
 * #SCALE} units, so sums and differences are exact and never drift, however many allocate/free
 * cycles run. Amounts given as {@code double} are rounded to the nearest unit.
 */
public final class FixedPoint {
  /** Units per whole resource: amounts have a precision of 0.0001. */
  public static final long SCALE = 10_000L;

  /** The largest amount of any single resource that can be represented (about 4.6e14). */
  public static final double MAX_AMOUNT = (double) (Long.MAX_VALUE / SCALE / 2);

  private FixedPoint() {}

  /**
   * Converts a {@code double} amount to fixed point, validating it.
   *
   * @param resource the resource name, used in error messages
   * @param amount the amount; must be finite, non-negative and at most {@link #MAX_AMOUNT}
   * @return the amount in units of {@code 1/SCALE}
   * @throws InvalidResourceException if the amount is NaN, infinite, negative, too large, or a
   *     positive amount smaller than the precision
   */
  public static long toFixed(String resource, double amount) {
    if (Double.isNaN(amount)) {
      throw new InvalidResourceException(
          "resource " + resource + " has amount NaN; give a finite number >= 0");
    }
    if (Double.isInfinite(amount)) {
      throw new InvalidResourceException(
          "resource "
              + resource
              + " has infinite amount "
              + amount
              + "; give a finite number >= 0");
    }
    if (amount < 0) {
      throw new InvalidResourceException(
          "resource " + resource + " has negative amount " + amount + "; amounts must be >= 0");
    }
    if (amount > MAX_AMOUNT) {
      throw new InvalidResourceException(
          "resource "
              + resource
              + " amount "
              + amount
              + " exceeds the maximum "
              + MAX_AMOUNT
              + "; use a larger unit");
    }
    long fixed = Math.round(amount * SCALE);
    if (fixed == 0 && amount > 0) {
      throw new InvalidResourceException(
          "resource "
              + resource
              + " amount "
              + amount
              + " is below the precision 0.0001; use 0 or at least 0.0001");
    }
    return fixed;
  }

  /**
   * Converts a fixed-point amount back to a {@code double}.
   *
   * @param fixed units of {@code 1/SCALE}
   * @return the amount
   */
  public static double toDouble(long fixed) {
    return (double) fixed / SCALE;
  }

  /**
   * Formats a fixed-point amount without float noise, e.g. {@code 0.25} or {@code 4}.
   *
   * @param fixed units of {@code 1/SCALE}
   * @return the decimal text
   */
  public static String format(long fixed) {
    long whole = fixed / SCALE;
    long frac = Math.abs(fixed % SCALE);
    if (frac == 0) {
      return Long.toString(whole);
    }
    String f = String.format("%04d", frac).replaceAll("0+$", "");
    return (fixed < 0 && whole == 0 ? "-" : "") + whole + "." + f;
  }
}
