package dev.prism.scheduler;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable set of resource amounts (CPU, GPU, memory, object-store memory, custom), held as
 * fixed-point quantities (see {@link FixedPoint}) in a compact sorted array of interned resource
 * ids. Zero amounts are not stored. Used both for node capacities and for demands.
 *
 * <p>Validation: amounts must be finite and non-negative; for unit resources (everything except
 * {@code memory} and {@code object_store_memory}) an amount above 1 must be a whole number ({@code
 * 0.25} and {@code 2} are valid, {@code 1.5} is not).
 */
public final class ResourceSet {
  private static final ResourceSet EMPTY = new ResourceSet(new int[0], new long[0]);

  /** Ids in ascending order, each with a positive amount. */
  final int[] ids;

  /** Fixed-point amounts, parallel to {@link #ids}. */
  final long[] amounts;

  ResourceSet(int[] ids, long[] amounts) {
    this.ids = ids;
    this.amounts = amounts;
  }

  /**
   * Returns the empty set.
   *
   * @return a set with no resources
   */
  public static ResourceSet empty() {
    return EMPTY;
  }

  /**
   * Creates a set from a map of names to amounts.
   *
   * @param amounts resource name to amount; zero entries are dropped
   * @return the validated set
   * @throws InvalidResourceException if a name is blank or an amount is invalid
   */
  public static ResourceSet of(Map<String, ? extends Number> amounts) {
    Objects.requireNonNull(amounts, "amounts");
    Builder b = builder();
    amounts.forEach(
        (k, v) -> {
          if (v == null) {
            throw new InvalidResourceException(
                "resource " + k + " has a null amount; give a number >= 0");
          }
          b.set(k, v.doubleValue());
        });
    return b.build();
  }

  /**
   * Creates a set with one resource.
   *
   * @param name the resource name
   * @param amount the amount
   * @return the validated set
   */
  public static ResourceSet of(String name, double amount) {
    return builder().set(name, amount).build();
  }

  /**
   * Creates a set with two resources.
   *
   * @param name1 first resource name
   * @param amount1 first amount
   * @param name2 second resource name
   * @param amount2 second amount
   * @return the validated set
   */
  public static ResourceSet of(String name1, double amount1, String name2, double amount2) {
    return builder().set(name1, amount1).set(name2, amount2).build();
  }

  /**
   * Starts a builder.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the amount of a resource.
   *
   * @param name the resource name
   * @return the amount, 0 when absent
   */
  public double get(String name) {
    return FixedPoint.toDouble(getFixed(name));
  }

  /**
   * Returns the fixed-point amount of a resource.
   *
   * @param name the resource name
   * @return the amount in units of {@code 1/}{@link FixedPoint#SCALE}, 0 when absent
   */
  public long getFixed(String name) {
    int id = ResourceIds.lookup(name);
    return id < 0 ? 0 : fixed(id);
  }

  long fixed(int id) {
    int i = Arrays.binarySearch(ids, id);
    return i < 0 ? 0 : amounts[i];
  }

  /**
   * Returns whether the set holds no resources.
   *
   * @return true when every amount is zero
   */
  public boolean isEmpty() {
    return ids.length == 0;
  }

  /**
   * Returns the names with a positive amount.
   *
   * @return the names, sorted
   */
  public Set<String> names() {
    return toMap().keySet();
  }

  /**
   * Returns the amounts as a map sorted by name.
   *
   * @return an unmodifiable map from name to amount
   */
  public Map<String, Double> toMap() {
    TreeMap<String, Double> m = new TreeMap<>();
    for (int i = 0; i < ids.length; i++) {
      m.put(ResourceIds.name(ids[i]), FixedPoint.toDouble(amounts[i]));
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * Returns the element-wise sum.
   *
   * @param other the set to add
   * @return a new set
   */
  public ResourceSet plus(ResourceSet other) {
    Builder b = toBuilder();
    for (int i = 0; i < other.ids.length; i++) {
      b.addFixed(other.ids[i], other.amounts[i]);
    }
    return b.buildUnchecked();
  }

  /**
   * Returns the element-wise difference.
   *
   * @param other the set to subtract; must fit in this set
   * @return a new set
   * @throws InvalidResourceException if a result would be negative
   */
  public ResourceSet minus(ResourceSet other) {
    if (!other.fitsIn(this)) {
      throw new InvalidResourceException(
          "cannot subtract " + other + " from " + this + ": the result would be negative");
    }
    Builder b = toBuilder();
    for (int i = 0; i < other.ids.length; i++) {
      b.addFixed(other.ids[i], -other.amounts[i]);
    }
    return b.buildUnchecked();
  }

  /**
   * Returns whether every amount of this set is at most the other set's amount.
   *
   * @param other the capacity
   * @return true when this set fits in {@code other}
   */
  public boolean fitsIn(ResourceSet other) {
    for (int i = 0; i < ids.length; i++) {
      if (other.fixed(ids[i]) < amounts[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns a builder pre-filled with this set.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    for (int i = 0; i < ids.length; i++) {
      b.fixed.put(ids[i], amounts[i]);
    }
    return b;
  }

  int maxId() {
    return ids.length == 0 ? -1 : ids[ids.length - 1];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceSet r
        && Arrays.equals(ids, r.ids)
        && Arrays.equals(amounts, r.amounts);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(amounts);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    TreeMap<String, Long> m = new TreeMap<>();
    for (int i = 0; i < ids.length; i++) {
      m.put(ResourceIds.name(ids[i]), amounts[i]);
    }
    m.forEach(
        (k, v) ->
            sb.append(sb.length() > 1 ? ", " : "")
                .append(k)
                .append('=')
                .append(FixedPoint.format(v)));
    return sb.append('}').toString();
  }

  /** Mutable builder of a {@link ResourceSet}; validates on every {@code set}. */
  public static final class Builder {
    private final Map<Integer, Long> fixed = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the CPU amount.
     *
     * @param amount CPUs (fraction below 1, or whole)
     * @return this builder
     */
    public Builder cpu(double amount) {
      return set(Resources.CPU, amount);
    }

    /**
     * Sets the GPU amount.
     *
     * @param amount GPUs (fraction below 1, or whole)
     * @return this builder
     */
    public Builder gpu(double amount) {
      return set(Resources.GPU, amount);
    }

    /**
     * Sets the memory amount.
     *
     * @param bytes memory in bytes
     * @return this builder
     */
    public Builder memory(long bytes) {
      return set(Resources.MEMORY, bytes);
    }

    /**
     * Sets the object-store memory amount.
     *
     * @param bytes object-store memory in bytes
     * @return this builder
     */
    public Builder objectStoreMemory(long bytes) {
      return set(Resources.OBJECT_STORE_MEMORY, bytes);
    }

    /**
     * Sets any resource; unknown names are custom resources. An amount of 0 removes it.
     *
     * @param name the resource name, not blank
     * @param amount the amount
     * @return this builder
     * @throws InvalidResourceException if the name is blank or the amount invalid
     */
    public Builder set(String name, double amount) {
      if (name == null || name.isBlank()) {
        throw new InvalidResourceException(
            "resource name '"
                + name
                + "' is blank; use CPU, GPU, memory, object_store_memory or a custom name");
      }
      long f = FixedPoint.toFixed(name, amount);
      int id = ResourceIds.intern(name);
      if (ResourceIds.isUnitResource(id) && f > FixedPoint.SCALE && f % FixedPoint.SCALE != 0) {
        throw new InvalidResourceException(
            "resource "
                + name
                + "="
                + amount
                + " is invalid: amounts above 1 of a unit resource must be whole numbers;"
                + " use a fraction below 1 or a whole number such as "
                + (long) Math.ceil(amount));
      }
      if (f == 0) {
        fixed.remove(id);
      } else {
        fixed.put(id, f);
      }
      return this;
    }

    /**
     * Sets an amount already in fixed point, as accounted rather than as requested: no rule on
     * fractions applies (1.5 CPUs are available after a 0.5-CPU grant on a 2-CPU node). An amount
     * of 0 removes it.
     *
     * @param name the resource name, not blank
     * @param fixedAmount the amount in units of {@code 1/}{@link FixedPoint#SCALE}, not negative
     * @return this builder
     * @throws InvalidResourceException if the name is blank or the amount negative
     */
    public Builder setFixed(String name, long fixedAmount) {
      if (name == null || name.isBlank()) {
        throw new InvalidResourceException("resource name '" + name + "' is blank");
      }
      if (fixedAmount < 0) {
        throw new InvalidResourceException(
            "resource " + name + " has a negative amount (" + fixedAmount + " fixed-point units)");
      }
      int id = ResourceIds.intern(name);
      if (fixedAmount == 0) {
        fixed.remove(id);
      } else {
        fixed.put(id, fixedAmount);
      }
      return this;
    }

    void addFixed(int id, long delta) {
      try {
        fixed.merge(id, delta, Math::addExact);
      } catch (ArithmeticException e) {
        throw new InvalidResourceException(
            "the sum of resource "
                + ResourceIds.name(id)
                + " overflows the fixed-point range ("
                + FixedPoint.MAX_AMOUNT
                + " per resource); sum smaller sets or use a larger unit");
      }
    }

    /**
     * Builds the immutable set.
     *
     * @return the set
     */
    public ResourceSet build() {
      return buildUnchecked();
    }

    ResourceSet buildUnchecked() {
      int[] ids =
          fixed.entrySet().stream()
              .filter(e -> e.getValue() != 0)
              .mapToInt(Map.Entry::getKey)
              .sorted()
              .toArray();
      if (ids.length == 0) {
        return EMPTY;
      }
      long[] am = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        am[i] = fixed.get(ids[i]);
      }
      return new ResourceSet(ids, am);
    }
  }
}
