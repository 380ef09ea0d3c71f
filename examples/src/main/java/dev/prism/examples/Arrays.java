package dev.prism.examples;

/**
 * The seed's first program: two arrays read by two tasks in parallel, added by a third task that
 * receives them through refs. In Ray's Python:
 *
 * <pre>
 * a = read_array.remote(file1); b = read_array.remote(file2)
 * s = add.remote(a, b); ray.get(s)
 * </pre>
 */
public final class Arrays {

  private Arrays() {}

  /**
   * Reads an array (here: makes one from the name, so the example needs no files).
   *
   * @param name the array's name
   * @return its values
   */
  public static long[] readArray(String name) {
    long[] out = new long[1_000_000];
    long seed = name.hashCode();
    for (int i = 0; i < out.length; i++) {
      out[i] = (seed + i) % 1_000;
    }
    return out;
  }

  /**
   * Adds two arrays element by element.
   *
   * @param a the first
   * @param b the second
   * @return their sum
   */
  public static long[] add(long[] a, long[] b) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] + b[i];
    }
    return out;
  }

  /**
   * Sums an array.
   *
   * @param a the array
   * @return the sum of its elements
   */
  public static long sum(long[] a) {
    long s = 0;
    for (long v : a) {
      s += v;
    }
    return s;
  }
}
