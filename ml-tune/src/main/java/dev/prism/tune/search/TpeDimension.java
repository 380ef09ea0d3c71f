package dev.prism.tune.search;

import java.util.List;
import java.util.Objects;

/**
 * One searched parameter as the TPE sees it: a numerical coordinate (log-transformed for log
 * domains) on a continuous or stepped range, or a category index.
 *
 * @param name the parameter
 * @param domain its domain
 * @param kind how the kernel treats it
 * @param low the smallest coordinate (for stepped ranges, the first value)
 * @param high the largest coordinate (for stepped ranges, the last value)
 * @param step the step of a stepped range, 0 otherwise
 */
record TpeDimension(String name, Domain domain, Kind kind, double low, double high, double step) {

  /** How the kernel treats a parameter. */
  enum Kind {
    /** A truncated normal on {@code [low, high]}. */
    CONTINUOUS,
    /** A truncated normal on {@code [low - step/2, high + step/2]}, rounded to the steps. */
    STEPPED,
    /** A categorical distribution over the choices. */
    CATEGORICAL
  }

  /** The range the kernels are truncated to. */
  double adaptedLow() {
    return low - step / 2;
  }

  /** The range the kernels are truncated to. */
  double adaptedHigh() {
    return high + step / 2;
  }

  /** The number of categories. */
  int categories() {
    return ((Domain.Choice) domain).values().size();
  }

  /** The dimension of a sampled entry. */
  static TpeDimension of(String name, Domain domain) {
    return switch (domain) {
      case Domain.Uniform(double lo, double hi) ->
          new TpeDimension(name, domain, Kind.CONTINUOUS, lo, hi, 0);
      case Domain.LogUniform(double lo, double hi) ->
          new TpeDimension(name, domain, Kind.CONTINUOUS, Math.log(lo), Math.log(hi), 0);
      case Domain.QUniform(double lo, double hi, double q) -> stepped(name, domain, lo, hi, q);
      case Domain.QLogUniform(double lo, double hi, double q) -> {
        double first = DomainChecks.multiple(DomainChecks.firstMultiple(lo, q), q);
        double last = DomainChecks.multiple(DomainChecks.lastMultiple(hi, q), q);
        yield new TpeDimension(
            name, domain, Kind.CONTINUOUS, Math.log(first - q / 2), Math.log(last + q / 2), 0);
      }
      case Domain.RandInt(int lo, int hi) ->
          new TpeDimension(name, domain, Kind.STEPPED, lo, hi - 1, 1);
      case Domain.QRandInt(int lo, int hi, int q) -> stepped(name, domain, lo, hi, q);
      case Domain.LogRandInt(int lo, int hi) ->
          new TpeDimension(
              name, domain, Kind.CONTINUOUS, Math.log(lo - 0.5), Math.log(hi - 0.5), 0);
      case Domain.Normal(double mean, double sd) ->
          new TpeDimension(name, domain, Kind.CONTINUOUS, mean - 3 * sd, mean + 3 * sd, 0);
      case Domain.QNormal(double mean, double sd, double q) -> {
        long a = DomainChecks.firstMultiple(mean - 3 * sd, q);
        long b = DomainChecks.lastMultiple(mean + 3 * sd, q);
        if (a > b) {
          a = Math.round(mean / q);
          b = a;
        }
        yield new TpeDimension(
            name,
            domain,
            Kind.STEPPED,
            DomainChecks.multiple(a, q),
            DomainChecks.multiple(b, q),
            q);
      }
      case Domain.Choice c -> new TpeDimension(name, domain, Kind.CATEGORICAL, 0, 0, 0);
      case Domain.Grid g ->
          throw new IllegalArgumentException(
              "TpeSearch does not expand grids: parameter '"
                  + name
                  + "' is a grid; use a choice, or RandomSearch or GridSearch");
    };
  }

  private static TpeDimension stepped(String name, Domain domain, double lo, double hi, double q) {
    return new TpeDimension(
        name,
        domain,
        Kind.STEPPED,
        DomainChecks.multiple(DomainChecks.firstMultiple(lo, q), q),
        DomainChecks.multiple(DomainChecks.lastMultiple(hi, q), q),
        q);
  }

  /**
   * The coordinate of a configuration value, or NaN when the value is not one the TPE can model (a
   * category not among the choices, a non-number).
   */
  double toCoordinate(Object value) {
    if (kind == Kind.CATEGORICAL) {
      List<Object> choices = ((Domain.Choice) domain).values();
      for (int i = 0; i < choices.size(); i++) {
        if (sameValue(choices.get(i), value)) {
          return i;
        }
      }
      return Double.NaN;
    }
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      return Double.NaN;
    }
    double v = n.doubleValue();
    boolean log =
        domain instanceof Domain.LogUniform
            || domain instanceof Domain.QLogUniform
            || domain instanceof Domain.LogRandInt;
    if (log) {
      v = Math.log(Math.max(v, Double.MIN_NORMAL));
    }
    return Math.min(Math.max(v, low), high);
  }

  private static boolean sameValue(Object a, Object b) {
    if (Objects.equals(a, b)) {
      return true;
    }
    return a instanceof Number x
        && b instanceof Number y
        && !(x instanceof Double || x instanceof Float)
            == !(y instanceof Double || y instanceof Float)
        && x.doubleValue() == y.doubleValue();
  }

  /** The configuration value of a coordinate. */
  Object toValue(double x) {
    return switch (domain) {
      case Domain.Uniform u -> clamp(x);
      case Domain.LogUniform(double lo, double hi) -> Math.min(Math.max(Math.exp(x), lo), hi);
      case Domain.QUniform(double lo, double hi, double q) -> DomainChecks.quantize(x, lo, hi, q);
      case Domain.QLogUniform(double lo, double hi, double q) ->
          DomainChecks.quantize(Math.exp(x), lo, hi, q);
      case Domain.RandInt r -> (int) Math.round(clamp(x));
      case Domain.QRandInt r -> (int) Math.round(clamp(x));
      case Domain.LogRandInt(int lo, int hi) ->
          (int) Math.min(Math.max(Math.round(Math.exp(x)), lo), hi - 1L);
      case Domain.Normal n -> clamp(x);
      case Domain.QNormal n -> DomainChecks.quantize(x, low, high, step);
      case Domain.Choice c -> c.values().get((int) x);
      case Domain.Grid g -> throw new IllegalStateException("grid in a TPE search space");
    };
  }

  private double clamp(double x) {
    return Math.min(Math.max(x, low), high);
  }
}
