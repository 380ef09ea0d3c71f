package dev.prism.store;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Deterministic Arrow tables for tests. */
final class ArrowFixtures {

  private ArrowFixtures() {}

  /** Three columns (64-bit ints, strings, doubles), with nulls. */
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

  /**
   * A table of many vector kinds (fixed and variable width, large offsets, decimal, timestamp with
   * zone, bit, fixed-size binary, list, struct), every column with some nulls: loading it from the
   * store must not write into its buffers.
   */
  static VectorSchemaRoot richTable(BufferAllocator allocator, int rows) {
    Schema schema =
        new Schema(
            List.of(
                Field.nullable("i32", new ArrowType.Int(32, true)),
                Field.nullable("bin", ArrowType.Binary.INSTANCE),
                Field.nullable("big_text", ArrowType.LargeUtf8.INSTANCE),
                Field.nullable("dec", new ArrowType.Decimal(12, 3, 128)),
                Field.nullable(
                    "ts", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "Europe/Zurich")),
                Field.nullable("flag", ArrowType.Bool.INSTANCE),
                Field.nullable("fixed", new ArrowType.FixedSizeBinary(4)),
                new Field(
                    "list",
                    FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", new ArrowType.Int(64, true)))),
                new Field(
                    "struct",
                    FieldType.nullable(ArrowType.Struct.INSTANCE),
                    List.of(
                        Field.nullable("a", new ArrowType.Int(32, true)),
                        Field.nullable("b", ArrowType.Utf8.INSTANCE)))));
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    root.allocateNew();
    IntVector i32 = (IntVector) root.getVector("i32");
    VarBinaryVector bin = (VarBinaryVector) root.getVector("bin");
    LargeVarCharVector bigText = (LargeVarCharVector) root.getVector("big_text");
    DecimalVector dec = (DecimalVector) root.getVector("dec");
    TimeStampMicroTZVector ts = (TimeStampMicroTZVector) root.getVector("ts");
    BitVector flag = (BitVector) root.getVector("flag");
    FixedSizeBinaryVector fixed = (FixedSizeBinaryVector) root.getVector("fixed");
    UnionListWriter list = ((ListVector) root.getVector("list")).getWriter();
    StructVector struct = (StructVector) root.getVector("struct");
    IntVector a = (IntVector) struct.getChild("a");
    VarCharVector b = (VarCharVector) struct.getChild("b");
    for (int i = 0; i < rows; i++) {
      boolean isNull = i % 5 == 3;
      if (isNull) {
        i32.setNull(i);
        bin.setNull(i);
        bigText.setNull(i);
        dec.setNull(i);
        ts.setNull(i);
        flag.setNull(i);
        fixed.setNull(i);
        struct.setNull(i);
        continue; // the list stays null: its writer skips the row
      }
      i32.setSafe(i, i * 7 - 100);
      bin.setSafe(i, new byte[] {(byte) i, (byte) (i >> 8), 1});
      bigText.setSafe(i, ("text-" + i).getBytes(StandardCharsets.UTF_8));
      dec.setSafe(i, BigDecimal.valueOf(i * 1001L, 3));
      ts.setSafe(i, 1_700_000_000_000_000L + i);
      flag.setSafe(i, i % 2);
      fixed.setSafe(i, new byte[] {1, 2, 3, (byte) i});
      list.setPosition(i);
      list.startList();
      for (int k = 0; k < i % 4; k++) {
        list.bigInt().writeBigInt(i * 10L + k);
      }
      list.endList();
      struct.setIndexDefined(i);
      a.setSafe(i, -i);
      b.setSafe(i, ("s" + i).getBytes(StandardCharsets.UTF_8));
    }
    list.setValueCount(rows);
    a.setValueCount(rows);
    b.setValueCount(rows);
    root.setRowCount(rows);
    return root;
  }

  /** Every cell of a root, one row after the other, byte arrays by content: comparable output. */
  static String render(VectorSchemaRoot root) {
    StringBuilder sb = new StringBuilder();
    for (int row = 0; row < root.getRowCount(); row++) {
      for (var v : root.getFieldVectors()) {
        Object cell = v.getObject(row);
        sb.append(cell instanceof byte[] bytes ? java.util.Arrays.toString(bytes) : cell)
            .append(';');
      }
      sb.append('|');
    }
    return sb.toString();
  }
}
