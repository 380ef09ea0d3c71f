package dev.prism.tune.search;

import java.util.List;
import java.util.Random;

/**
 * A mixture of product kernels over the searched dimensions, one kernel per observation plus a
 * prior kernel, as Optuna's multivariate TPE builds for the good and the bad trials. Numerical
 * dimensions get truncated normals whose widths are the distances to the neighbouring observations
 * of that dimension (clipped by the "magic clip"); categorical ones a smoothed one-hot
 * distribution.
 */
final class ParzenEstimator {
  private static final double EPS = 1e-12;
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private final List<TpeDimension> dims;
  private final double[] logWeights;
  private final double[] cumWeights;
  private final double[][] mus;
  private final double[][] sigmas;
  private final double[][][] catProbs;
  private final double[][] logMass;

  /**
   * The estimator of some observations.
   *
   * @param dims the dimensions
   * @param obs the observations' coordinates, oldest first
   * @param weights their weights (the TPE's weights function of their number)
   * @param options the TPE's options
   */
  ParzenEstimator(
      List<TpeDimension> dims, double[][] obs, double[] weights, TpeSearch.Options options) {
    this.dims = dims;
    int n = obs.length;
    int k = n + 1;
    double[] w = new double[k];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      w[i] = weights[i];
      sum += w[i];
    }
    w[n] = n == 0 ? 1.0 : options.priorWeight();
    sum += w[n];
    logWeights = new double[k];
    cumWeights = new double[k];
    double acc = 0;
    for (int i = 0; i < k; i++) {
      logWeights[i] = Math.log(w[i] / sum);
      acc += w[i] / sum;
      cumWeights[i] = acc;
    }
    int d = dims.size();
    mus = new double[d][];
    sigmas = new double[d][];
    catProbs = new double[d][][];
    logMass = new double[d][];
    for (int j = 0; j < d; j++) {
      TpeDimension dim = dims.get(j);
      double[] col = new double[n];
      for (int i = 0; i < n; i++) {
        col[i] = obs[i][j];
      }
      if (dim.kind() == TpeDimension.Kind.CATEGORICAL) {
        catProbs[j] = categorical(col, dim.categories(), options.priorWeight());
      } else {
        numerical(j, col, dim, options);
      }
    }
  }

  private static double[][] categorical(double[] col, int choices, double priorWeight) {
    int n = col.length;
    double[][] p = new double[n + 1][choices];
    for (int i = 0; i <= n; i++) {
      double base = n == 0 ? 1.0 : priorWeight / (n + 1);
      double rowSum = 0;
      for (int c = 0; c < choices; c++) {
        p[i][c] = base + (i < n && (int) col[i] == c ? 1 : 0);
        rowSum += p[i][c];
      }
      for (int c = 0; c < choices; c++) {
        p[i][c] /= rowSum;
      }
    }
    return p;
  }

  private void numerical(int j, double[] col, TpeDimension dim, TpeSearch.Options options) {
    int n = col.length;
    double low = dim.adaptedLow();
    double high = dim.adaptedHigh();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(col[a], col[b]));
    double[] sorted = new double[n + 2];
    sorted[0] = low;
    sorted[n + 1] = high;
    for (int i = 0; i < n; i++) {
      sorted[i + 1] = col[order[i]];
    }
    double[] sortedSigma = new double[n];
    for (int i = 0; i < n; i++) {
      sortedSigma[i] = Math.max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
    }
    if (!options.considerEndpoints() && n >= 2) {
      sortedSigma[0] = sorted[2] - sorted[1];
      sortedSigma[n - 1] = sorted[n] - sorted[n - 1];
    }
    double range = high - low;
    double minSigma = options.considerMagicClip() ? range / Math.min(100.0, 1.0 + (n + 1)) : EPS;
    mus[j] = new double[n + 1];
    sigmas[j] = new double[n + 1];
    for (int i = 0; i < n; i++) {
      int obsIndex = order[i];
      mus[j][obsIndex] = col[obsIndex];
      sigmas[j][obsIndex] = Math.min(Math.max(sortedSigma[i], minSigma), range);
    }
    mus[j][n] = 0.5 * (low + high);
    sigmas[j][n] = range;
    logMass[j] = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      logMass[j][i] =
          Gauss.logMass((low - mus[j][i]) / sigmas[j][i], (high - mus[j][i]) / sigmas[j][i]);
    }
  }

  /** {@code count} points drawn from the mixture. */
  double[][] sample(Random rnd, int count) {
    double[][] out = new double[count][dims.size()];
    for (int s = 0; s < count; s++) {
      double u = rnd.nextDouble();
      int kernel = 0;
      while (kernel < cumWeights.length - 1 && cumWeights[kernel] < u) {
        kernel++;
      }
      for (int j = 0; j < dims.size(); j++) {
        out[s][j] = sampleDim(rnd, j, kernel);
      }
    }
    return out;
  }

  private double sampleDim(Random rnd, int j, int kernel) {
    TpeDimension dim = dims.get(j);
    if (dim.kind() == TpeDimension.Kind.CATEGORICAL) {
      double[] p = catProbs[j][kernel];
      double u = rnd.nextDouble();
      double acc = 0;
      for (int c = 0; c < p.length - 1; c++) {
        acc += p[c];
        if (u < acc) {
          return c;
        }
      }
      return p.length - 1;
    }
    double low = dim.adaptedLow();
    double high = dim.adaptedHigh();
    double x = Gauss.truncated(rnd, mus[j][kernel], sigmas[j][kernel], low, high);
    if (dim.kind() == TpeDimension.Kind.STEPPED) {
      double k = Math.round((x - dim.low()) / dim.step());
      x = Math.min(Math.max(dim.low() + k * dim.step(), dim.low()), dim.high());
    }
    return x;
  }

  /** The log density (or log mass, for stepped and categorical dimensions) of a point. */
  double logPdf(double[] x) {
    int k = logWeights.length;
    double[] terms = new double[k];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      double t = logWeights[i];
      for (int j = 0; j < dims.size() && t > Double.NEGATIVE_INFINITY; j++) {
        t += logKernel(j, i, x[j]);
      }
      terms[i] = t;
      max = Math.max(max, t);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return max + Math.log(sum);
  }

  private double logKernel(int j, int i, double x) {
    TpeDimension dim = dims.get(j);
    return switch (dim.kind()) {
      case CATEGORICAL -> Math.log(catProbs[j][i][(int) x]);
      case STEPPED -> {
        double mu = mus[j][i];
        double sigma = sigmas[j][i];
        double h = dim.step() / 2;
        yield Gauss.logMass((x - h - mu) / sigma, (x + h - mu) / sigma) - logMass[j][i];
      }
      case CONTINUOUS -> {
        double z = (x - mus[j][i]) / sigmas[j][i];
        yield -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigmas[j][i]) - logMass[j][i];
      }
    };
  }
}
