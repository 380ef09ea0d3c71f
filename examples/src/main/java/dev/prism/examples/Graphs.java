package dev.prism.examples;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import java.util.ArrayList;
import java.util.List;

/** The seed's other task programs: many futures at once, and a graph built while it runs. */
public final class Graphs {

  private Graphs() {}

  /**
   * Doubles a number.
   *
   * @param x the number
   * @return twice it
   */
  public static int twice(int x) {
    return 2 * x;
  }

  /**
   * Splits work in two until it is small, submitting tasks from inside a task: the shape of the
   * graph depends on the data, and is only known while it runs.
   *
   * @param from first number (inclusive)
   * @param to last number (exclusive)
   * @return the sum of the numbers
   */
  public static long sumRange(long from, long to) {
    if (to - from <= 25_000) {
      long s = 0;
      for (long i = from; i < to; i++) {
        s += i;
      }
      return s;
    }
    long mid = (from + to) / 2;
    ObjectRef<Long> left = Prism.task(Graphs::sumRange, from, mid).remote();
    ObjectRef<Long> right = Prism.task(Graphs::sumRange, mid, to).remote();
    return Prism.get(left) + Prism.get(right);
  }

  /**
   * Submits {@code n} tasks at once and collects their results.
   *
   * @param n how many
   * @return the results, in order
   */
  public static List<Integer> doubleAll(int n) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Prism.task(Graphs::twice, i).remote());
    }
    return Prism.get(refs);
  }
}
