package dev.prism.tune;

/** Whether a sweep looks for the largest or the smallest value of its metric. */
public enum Mode {
  /** Larger is better (accuracy). */
  MAX,
  /** Smaller is better (loss). */
  MIN;

  /**
   * Whether {@code a} is strictly better than {@code b} in this mode.
   *
   * @param a one value
   * @param b the other
   * @return true when {@code a} beats {@code b}
   */
  public boolean better(double a, double b) {
    return this == MAX ? a > b : a < b;
  }

  /**
   * The value as a score where larger is always better (the value itself for MAX, its negation for
   * MIN).
   *
   * @param value a metric value
   * @return the score
   */
  public double score(double value) {
    return this == MAX ? value : -value;
  }
}
