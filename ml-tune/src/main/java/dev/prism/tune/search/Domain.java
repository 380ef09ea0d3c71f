package dev.prism.tune.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Where a parameter's values come from, as Ray Tune's search-space functions ({@code tune.uniform},
 * {@code tune.choice}, {@code tune.grid_search}, ...). Floating-point domains sample {@link
 * Double}s, integer domains {@link Integer}s; quantized domains round to multiples of {@code q}
 * within the bounds. A domain is checked when it is added to a {@link Space}, which names the
 * parameter in the message; {@link #validate()} does the same check on its own.
 */
public sealed interface Domain
    permits Domain.Uniform,
        Domain.QUniform,
        Domain.LogUniform,
        Domain.QLogUniform,
        Domain.RandInt,
        Domain.QRandInt,
        Domain.LogRandInt,
        Domain.Normal,
        Domain.QNormal,
        Domain.Choice,
        Domain.Grid {

  /**
   * One value of the domain.
   *
   * @param rnd the random source
   * @return the value
   * @throws IllegalArgumentException when the domain is invalid
   */
  Object sample(Random rnd);

  /**
   * Checks the domain's bounds and options.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  void validate();

  /**
   * A float uniform in {@code [lo, hi)}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   * @return the domain
   */
  static Domain uniform(double lo, double hi) {
    return new Uniform(lo, hi);
  }

  /**
   * A float uniform in {@code [lo, hi]} rounded to a multiple of {@code q}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   * @param q the quantum
   * @return the domain
   */
  static Domain quniform(double lo, double hi, double q) {
    return new QUniform(lo, hi, q);
  }

  /**
   * A float whose logarithm is uniform in {@code [log lo, log hi)}.
   *
   * @param lo the lower bound (positive)
   * @param hi the upper bound
   * @return the domain
   */
  static Domain loguniform(double lo, double hi) {
    return new LogUniform(lo, hi);
  }

  /**
   * A log-uniform float rounded to a multiple of {@code q}.
   *
   * @param lo the lower bound (positive)
   * @param hi the upper bound
   * @param q the quantum
   * @return the domain
   */
  static Domain qloguniform(double lo, double hi, double q) {
    return new QLogUniform(lo, hi, q);
  }

  /**
   * An integer uniform in {@code [lo, hi)} (the upper bound excluded, as Ray).
   *
   * @param lo the lower bound
   * @param hi the upper bound, excluded
   * @return the domain
   */
  static Domain randint(int lo, int hi) {
    return new RandInt(lo, hi);
  }

  /**
   * An integer multiple of {@code q} uniform in {@code [lo, hi]} (the upper bound included, as
   * Ray).
   *
   * @param lo the lower bound
   * @param hi the upper bound, included
   * @param q the quantum
   * @return the domain
   */
  static Domain qrandint(int lo, int hi, int q) {
    return new QRandInt(lo, hi, q);
  }

  /**
   * An integer in {@code [lo, hi)} whose logarithm is about uniform (the upper bound excluded, as
   * Ray).
   *
   * @param lo the lower bound (at least 1)
   * @param hi the upper bound, excluded
   * @return the domain
   */
  static Domain lograndint(int lo, int hi) {
    return new LogRandInt(lo, hi);
  }

  /**
   * A normally distributed float.
   *
   * @param mean the mean
   * @param sd the standard deviation (positive)
   * @return the domain
   */
  static Domain normal(double mean, double sd) {
    return new Normal(mean, sd);
  }

  /**
   * A normally distributed float rounded to a multiple of {@code q}.
   *
   * @param mean the mean
   * @param sd the standard deviation (positive)
   * @param q the quantum
   * @return the domain
   */
  static Domain qnormal(double mean, double sd, double q) {
    return new QNormal(mean, sd, q);
  }

  /**
   * One of the values, each equally likely.
   *
   * @param values the values (nulls allowed)
   * @return the domain
   */
  static Domain choice(Object... values) {
    return new Choice(Arrays.asList(values));
  }

  /**
   * One of the values, each equally likely.
   *
   * @param values the values (nulls allowed)
   * @return the domain
   */
  static Domain choice(List<?> values) {
    return new Choice(new ArrayList<Object>(values));
  }

  /**
   * Every one of the values, in turn: searchers that expand grids run each value (the cartesian
   * product with the other grids).
   *
   * @param values the values (nulls allowed)
   * @return the domain
   */
  static Domain grid(Object... values) {
    return new Grid(Arrays.asList(values));
  }

  /**
   * Every one of the values, in turn (see {@link #grid(Object...)}).
   *
   * @param values the values (nulls allowed)
   * @return the domain
   */
  static Domain grid(List<?> values) {
    return new Grid(new ArrayList<Object>(values));
  }

  /**
   * {@link #uniform}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   */
  record Uniform(double lo, double hi) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("uniform", lo, hi);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return lo + (hi - lo) * rnd.nextDouble();
    }
  }

  /**
   * {@link #quniform}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   * @param q the quantum
   */
  record QUniform(double lo, double hi, double q) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("quniform", lo, hi);
      DomainChecks.quantum("quniform", lo, hi, q);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return DomainChecks.quantize(lo + (hi - lo) * rnd.nextDouble(), lo, hi, q);
    }
  }

  /**
   * {@link #loguniform}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   */
  record LogUniform(double lo, double hi) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("loguniform", lo, hi);
      DomainChecks.positive("loguniform", lo);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      double v = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rnd.nextDouble());
      return Math.min(Math.max(v, lo), hi);
    }
  }

  /**
   * {@link #qloguniform}.
   *
   * @param lo the lower bound
   * @param hi the upper bound
   * @param q the quantum
   */
  record QLogUniform(double lo, double hi, double q) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("qloguniform", lo, hi);
      DomainChecks.positive("qloguniform", lo);
      DomainChecks.quantum("qloguniform", lo, hi, q);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      double v = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rnd.nextDouble());
      return DomainChecks.quantize(v, lo, hi, q);
    }
  }

  /**
   * {@link #randint}.
   *
   * @param lo the lower bound
   * @param hi the upper bound, excluded
   */
  record RandInt(int lo, int hi) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("randint", lo, hi);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return (int) (lo + (long) Math.floor(rnd.nextDouble() * ((long) hi - lo)));
    }
  }

  /**
   * {@link #qrandint}.
   *
   * @param lo the lower bound
   * @param hi the upper bound, included
   * @param q the quantum
   */
  record QRandInt(int lo, int hi, int q) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("qrandint", lo, hi);
      DomainChecks.quantum("qrandint", lo, hi, q);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      long kLo = Math.ceilDiv((long) lo, q);
      long kHi = Math.floorDiv((long) hi, q);
      return (int) ((kLo + (long) Math.floor(rnd.nextDouble() * (kHi - kLo + 1))) * q);
    }
  }

  /**
   * {@link #lograndint}.
   *
   * @param lo the lower bound
   * @param hi the upper bound, excluded
   */
  record LogRandInt(int lo, int hi) implements Domain {
    @Override
    public void validate() {
      DomainChecks.bounds("lograndint", lo, hi);
      DomainChecks.positive("lograndint", lo);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      double v = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rnd.nextDouble());
      return (int) Math.min(Math.max(Math.floor(v), lo), hi - 1.0);
    }
  }

  /**
   * {@link #normal}.
   *
   * @param mean the mean
   * @param sd the standard deviation
   */
  record Normal(double mean, double sd) implements Domain {
    @Override
    public void validate() {
      DomainChecks.normal("normal", mean, sd);
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return mean + sd * rnd.nextGaussian();
    }
  }

  /**
   * {@link #qnormal}.
   *
   * @param mean the mean
   * @param sd the standard deviation
   * @param q the quantum
   */
  record QNormal(double mean, double sd, double q) implements Domain {
    @Override
    public void validate() {
      DomainChecks.normal("qnormal", mean, sd);
      if (!(q > 0) || !Double.isFinite(q)) {
        throw new IllegalArgumentException("qnormal: q must be positive and finite, got " + q);
      }
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return DomainChecks.multiple(Math.round((mean + sd * rnd.nextGaussian()) / q), q);
    }
  }

  /**
   * {@link #choice(Object...)}.
   *
   * @param values the values
   */
  record Choice(List<Object> values) implements Domain {
    /**
     * A choice.
     *
     * @param values the values (copied)
     */
    public Choice {
      values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    @Override
    public void validate() {
      if (values.isEmpty()) {
        throw new IllegalArgumentException("choice: no values to choose from");
      }
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return values.get(rnd.nextInt(values.size()));
    }
  }

  /**
   * {@link #grid(Object...)}. Sampled on its own (by a searcher that does not expand grids), it
   * picks a value at random.
   *
   * @param values the values
   */
  record Grid(List<Object> values) implements Domain {
    /**
     * A grid.
     *
     * @param values the values (copied)
     */
    public Grid {
      values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    @Override
    public void validate() {
      if (values.isEmpty()) {
        throw new IllegalArgumentException("grid: no values in the grid");
      }
    }

    @Override
    public Object sample(Random rnd) {
      validate();
      return values.get(rnd.nextInt(values.size()));
    }
  }
}
