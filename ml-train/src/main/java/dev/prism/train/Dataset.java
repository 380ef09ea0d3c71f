package dev.prism.train;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A training data set: an Arrow table in the object store, put once and read by every worker
 * without copying (workers on the node map it from shared memory). The table has a {@code features}
 * column (a fixed-size list of float32, one list per row) and a {@code label} column (int32),
 * neither with nulls; {@link #fromArrays} builds one, and any table of that shape works with {@link
 * #of}.
 *
 * @param table the table in the object store
 * @param rows its number of rows
 * @param featureSize the length of each row's feature list
 */
public record Dataset(ObjectRef<VectorSchemaRoot> table, long rows, int featureSize) {
  /** The feature column's name. */
  public static final String FEATURES = "features";

  /** The label column's name. */
  public static final String LABEL = "label";

  /**
   * Checks the fields.
   *
   * @param table the table's ref
   * @param rows the number of rows
   * @param featureSize the feature length
   */
  public Dataset {
    Objects.requireNonNull(table, "table");
    if (rows < 1 || featureSize < 1) {
      throw new IllegalArgumentException(
          "a dataset needs rows and features; this one has " + rows + " rows of " + featureSize);
    }
  }

  /**
   * Puts a table of the expected shape in the object store.
   *
   * @param root a table with a {@code features} fixed-size float32 list column and an int32 {@code
   *     label} column
   * @return the dataset
   * @throws IllegalArgumentException if the table has another shape, or nulls
   */
  public static Dataset of(VectorSchemaRoot root) {
    int featureSize = check(root);
    return new Dataset(Prism.put(root), root.getRowCount(), featureSize);
  }

  /**
   * Builds a table from arrays and puts it in the object store.
   *
   * @param features one row of features per example, all of the same length
   * @param labels one label per example
   * @return the dataset
   * @throws IllegalArgumentException if the arrays are empty or of different lengths
   */
  public static Dataset fromArrays(float[][] features, int[] labels) {
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = table(allocator, features, labels)) {
      return of(root);
    }
  }

  /**
   * Builds a table of the expected shape from arrays (the caller closes it).
   *
   * @param allocator where the vectors live
   * @param features one row of features per example, all of the same length
   * @param labels one label per example
   * @return the table
   */
  public static VectorSchemaRoot table(
      BufferAllocator allocator, float[][] features, int[] labels) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    if (features.length == 0 || features.length != labels.length) {
      throw new IllegalArgumentException(
          "features has "
              + features.length
              + " rows and labels "
              + labels.length
              + "; give the same number, at least 1");
    }
    int d = features[0].length;
    Field item =
        new Field(
            "item",
            FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
            null);
    Field featureField =
        new Field(FEATURES, FieldType.notNullable(new ArrowType.FixedSizeList(d)), List.of(item));
    Field labelField = new Field(LABEL, FieldType.notNullable(new ArrowType.Int(32, true)), null);
    VectorSchemaRoot root =
        VectorSchemaRoot.create(new Schema(List.of(featureField, labelField)), allocator);
    int n = features.length;
    FixedSizeListVector fv = (FixedSizeListVector) root.getVector(FEATURES);
    IntVector lv = (IntVector) root.getVector(LABEL);
    fv.allocateNew();
    Float4Vector data = (Float4Vector) fv.getDataVector();
    data.allocateNew(n * d);
    lv.allocateNew(n);
    for (int i = 0; i < n; i++) {
      if (features[i].length != d) {
        root.close();
        throw new IllegalArgumentException(
            "features[" + i + "] has " + features[i].length + " values; row 0 has " + d);
      }
      fv.setNotNull(i);
      for (int j = 0; j < d; j++) {
        data.set(i * d + j, features[i][j]);
      }
      lv.set(i, labels[i]);
    }
    data.setValueCount(n * d);
    fv.setValueCount(n);
    lv.setValueCount(n);
    root.setRowCount(n);
    return root;
  }

  static int check(VectorSchemaRoot root) {
    Objects.requireNonNull(root, "root");
    if (!(root.getVector(FEATURES) instanceof FixedSizeListVector fv)
        || !(fv.getDataVector() instanceof Float4Vector)) {
      throw new IllegalArgumentException(
          "a training table needs a '"
              + FEATURES
              + "' column of fixed-size float32 lists; this one has "
              + root.getSchema());
    }
    if (!(root.getVector(LABEL) instanceof IntVector lv)) {
      throw new IllegalArgumentException(
          "a training table needs an int32 '"
              + LABEL
              + "' column; this one has "
              + root.getSchema());
    }
    if (root.getRowCount() == 0) {
      throw new IllegalArgumentException("the training table has no rows");
    }
    if (fv.getNullCount() > 0 || lv.getNullCount() > 0 || fv.getDataVector().getNullCount() > 0) {
      throw new IllegalArgumentException("the training table has nulls; fill or drop them first");
    }
    return fv.getListSize();
  }
}
