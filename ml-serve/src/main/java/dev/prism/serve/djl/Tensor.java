package dev.prism.serve.djl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One instance's tensor of 32-bit floats, without the batch axis: what {@link TensorTranslator}
 * takes and gives, and how the built-in JSON format of {@link DjlModelDeployment} reads and writes
 * nested number arrays.
 *
 * @param values the values, row-major
 * @param shape the shape; its product is the number of values ({@code []} for a scalar)
 */
@SuppressWarnings("ArrayRecordComponent") // a value carried between processes, never a map key
public record Tensor(float[] values, long[] shape) {

  /**
   * Validates and copies.
   *
   * @param values the values
   * @param shape the shape
   * @throws IllegalArgumentException when the shape does not hold exactly the values
   */
  public Tensor {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(shape, "shape");
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has a negative axis");
      }
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, not " + values.length);
    }
    values = values.clone();
    shape = shape.clone();
  }

  /**
   * A vector.
   *
   * @param values its values
   * @return the tensor of shape {@code [values.length]}
   */
  public static Tensor of(float... values) {
    return new Tensor(values, new long[] {values.length});
  }

  /**
   * The values as nested lists following the shape (a scalar as a single {@code Float}), as they
   * are written to JSON.
   *
   * @return the nested lists
   */
  public Object toNested() {
    if (shape.length == 0) {
      return values[0];
    }
    return nest(0, 0);
  }

  private List<Object> nest(int axis, int offset) {
    int n = (int) shape[axis];
    int stride = 1;
    for (int a = axis + 1; a < shape.length; a++) {
      stride *= (int) shape[a];
    }
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(axis == shape.length - 1 ? values[offset + i] : nest(axis + 1, offset + i * stride));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && Arrays.equals(values, t.values)
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(values) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + Arrays.toString(values);
  }
}
