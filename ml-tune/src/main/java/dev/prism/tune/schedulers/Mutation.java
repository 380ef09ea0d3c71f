package dev.prism.tune.schedulers;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * How {@link PopulationBasedTraining} perturbs one hyperparameter: a list of choices (the value
 * moves to a neighbouring choice, or is drawn again among them) or a sampler (the value is
 * multiplied by a perturbation factor, or drawn again from the sampler).
 */
public sealed interface Mutation permits Mutation.Choice, Mutation.Sample {

  /**
   * Perturbs among choices.
   *
   * @param values the ordered choices, at least one, no nulls
   * @return the mutation
   */
  static Mutation choice(List<?> values) {
    return new Choice(new ArrayList<>(values));
  }

  /**
   * Perturbs among choices.
   *
   * @param values the ordered choices, at least one, no nulls
   * @return the mutation
   */
  static Mutation choice(Object... values) {
    return choice(Arrays.asList(values));
  }

  /**
   * Perturbs by factors, or resamples.
   *
   * @param sampler draws a fresh value
   * @return the mutation
   */
  static Mutation sample(Sampler sampler) {
    return new Sample(sampler);
  }

  /** Draws a fresh value of a hyperparameter. */
  @FunctionalInterface
  interface Sampler extends Serializable {
    /**
     * A fresh value.
     *
     * @param random the generator to draw from (the scheduler's, so runs are reproducible)
     * @return the value: a number for values that are multiplied by perturbation factors
     */
    Object sample(Random random);
  }

  /**
   * Choices: on perturbation the value moves one place left or right (clamped at the ends), or is
   * drawn again uniformly among them.
   *
   * @param values the choices
   */
  record Choice(List<Object> values) implements Mutation {
    /**
     * Checks and copies.
     *
     * @param values the choices
     */
    public Choice {
      Objects.requireNonNull(values, "values");
      if (values.isEmpty()) {
        throw new IllegalArgumentException("a choice mutation needs at least one value, got []");
      }
      values.forEach(v -> Objects.requireNonNull(v, "a choice mutation's values must not be null"));
      values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /**
     * The index of a value among the choices, numbers compared by value (3 matches 3L and 3.0).
     *
     * @param value a value
     * @return its index, or -1
     */
    public int indexOf(Object value) {
      for (int i = 0; i < values.size(); i++) {
        Object c = values.get(i);
        if (c.equals(value)
            || (c instanceof Number a
                && value instanceof Number b
                && Double.compare(a.doubleValue(), b.doubleValue()) == 0)) {
          return i;
        }
      }
      return -1;
    }
  }

  /**
   * A sampler: on perturbation a numeric value is multiplied by a perturbation factor (integers
   * stay integers, truncated as Ray does), or a fresh value is drawn.
   *
   * @param sampler draws a fresh value
   */
  record Sample(Sampler sampler) implements Mutation {
    /**
     * Checks.
     *
     * @param sampler draws a fresh value
     */
    public Sample {
      Objects.requireNonNull(sampler, "sampler");
    }
  }
}
