package dev.prism.tune.search;

import java.util.Random;

/** The standard normal's tail masses in log space, and truncated normal draws. */
final class Gauss {
  private static final double SQRT2 = Math.sqrt(2);
  private static final double LOG_HALF = Math.log(0.5);

  private Gauss() {}

  /**
   * log erfc(x) for x at or above 0, from the Chebyshev-fitted approximation of Numerical Recipes
   * (relative error below 1.2e-7 everywhere), kept in log form so that far tails do not underflow.
   */
  private static double logErfcNonNegative(double x) {
    double t = 1.0 / (1.0 + 0.5 * x);
    double poly =
        -1.26551223
            + t
                * (1.00002368
                    + t
                        * (0.37409196
                            + t
                                * (0.09678418
                                    + t
                                        * (-0.18628806
                                            + t
                                                * (0.27886807
                                                    + t
                                                        * (-1.13520398
                                                            + t
                                                                * (1.48851587
                                                                    + t
                                                                        * (-0.82215223
                                                                            + t
                                                                                * 0.17087277))))))));
    return Math.log(t) - x * x + poly;
  }

  /** log P(Z > z) for a standard normal Z. */
  static double logUpperTail(double z) {
    double x = z / SQRT2;
    if (x >= 0) {
      return LOG_HALF + logErfcNonNegative(x);
    }
    return LOG_HALF + Math.log(2 - Math.exp(logErfcNonNegative(-x)));
  }

  /** log P(a &lt; Z &lt; b) for a standard normal Z and a &lt; b. */
  static double logMass(double a, double b) {
    if (!(a < b)) {
      return Double.NEGATIVE_INFINITY;
    }
    if (a >= 0) {
      double la = logUpperTail(a);
      double lb = logUpperTail(b);
      return la + Math.log1p(-Math.exp(lb - la));
    }
    if (b <= 0) {
      return logMass(-b, -a);
    }
    double outside = Math.exp(logUpperTail(b)) + Math.exp(logUpperTail(-a));
    return Math.log1p(-Math.min(outside, 1.0));
  }

  /**
   * A normal draw with mean {@code mu} and deviation {@code sigma}, truncated to {@code [low,
   * high]} (rejection; the TPE's kernels keep at least a third of their mass in range).
   */
  static double truncated(Random rnd, double mu, double sigma, double low, double high) {
    for (int i = 0; i < 1000; i++) {
      double x = mu + sigma * rnd.nextGaussian();
      if (x >= low && x <= high) {
        return x;
      }
    }
    return Math.min(Math.max(mu, low), high);
  }
}
