package dev.prism.store;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** A deterministic Arrow table for tests (three columns, with nulls). */
final class ArrowFixtures {

  private ArrowFixtures() {}

  static VectorSchemaRoot table(BufferAllocator allocator, int rows) {
    Schema schema =
        new Schema(
            List.of(
                Field.notNullable("id", new ArrowType.Int(64, true)),
                Field.nullable("name", ArrowType.Utf8.INSTANCE),
                Field.nullable(
                    "value", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE))));
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector(0);
    VarCharVector name = (VarCharVector) root.getVector(1);
    Float8Vector value = (Float8Vector) root.getVector(2);
    for (int i = 0; i < rows; i++) {
      id.setSafe(i, i * 3L);
      if (i % 7 == 0) {
        name.setNull(i);
      } else {
        name.setSafe(i, ("row-" + i).getBytes(StandardCharsets.UTF_8));
      }
      value.setSafe(i, i / 4.0);
    }
    root.setRowCount(rows);
    return root;
  }
}
