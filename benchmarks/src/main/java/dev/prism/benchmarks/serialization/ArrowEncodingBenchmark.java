package dev.prism.benchmarks.serialization;

import dev.prism.store.internal.ArrowIpc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the store's Arrow encoding of a {@code VectorSchemaRoot} (what a put of Arrow
 * data does besides the socket): unload the root and write schema, record batch header and buffers
 * as one Arrow IPC stream into (here, native) memory; and the zero-copy read that loads a root
 * whose buffers point into that memory. Two columns, {@code float64} and {@code int64}.
 *
 * <p>Run: {@code benchmarks/run jmh ArrowEncodingBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class ArrowEncodingBenchmark {

  /** Rows of the root: 16 bytes each. */
  @Param({"1000", "65536", "1048576"})
  public int rows;

  private BufferAllocator allocator;
  private VectorSchemaRoot root;
  private Arena arena;
  private MemorySegment stored;

  /** Builds the root and one encoded copy of it. */
  @Setup(Level.Trial)
  public void setup() {
    allocator = new RootAllocator();
    Float8Vector x = new Float8Vector("x", allocator);
    BigIntVector id = new BigIntVector("id", allocator);
    x.allocateNew(rows);
    id.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      x.set(i, i * 0.5);
      id.set(i, i);
    }
    x.setValueCount(rows);
    id.setValueCount(rows);
    root = VectorSchemaRoot.of(x, id);
    arena = Arena.ofShared();
    try (ArrowIpc.EncodedRoot encoded = ArrowIpc.encode(root)) {
      stored = arena.allocate(encoded.totalSize(), 64);
      encoded.writeTo(stored);
    }
  }

  /** Frees the root, the encoded copy and the allocator. */
  @TearDown(Level.Trial)
  public void tearDown() {
    root.close();
    arena.close();
    allocator.close();
  }

  /** Unload the root and write the Arrow IPC stream. */
  @Benchmark
  public long encodeAndWrite() {
    try (ArrowIpc.EncodedRoot encoded = ArrowIpc.encode(root)) {
      encoded.writeTo(stored);
      return encoded.totalSize();
    }
  }

  /** Load a root over the stored stream without copying, then release it. */
  @Benchmark
  public int readZeroCopy() {
    try (VectorSchemaRoot back = ArrowIpc.readRoot(stored, allocator, () -> {})) {
      return back.getRowCount();
    }
  }
}
