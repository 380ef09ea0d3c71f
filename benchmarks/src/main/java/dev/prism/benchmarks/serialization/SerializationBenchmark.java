package dev.prism.benchmarks.serialization;

import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.store.internal.ArrowIpc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * JMH benchmarks of how values become bytes and back, in-process: core's {@link ObjectSerializer}
 * (Apache Fory, reference tracking on, as every Prism process uses it) for small values, strings,
 * primitive arrays and a nested object graph with shared references; and the store's Arrow IPC
 * framing of those bytes into a payload object and out again (what {@code
 * StoreClient.putBytes}/{@code getPayload} do around the socket). Values that hold object refs are
 * measured through the public API in {@link RefValueBenchmark}.
 *
 * <p>Run: {@code benchmarks/run jmh SerializationBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow"
    })
public class SerializationBenchmark {

  private static final byte[] META_FORY = "prism:fory".getBytes(StandardCharsets.US_ASCII);

  /** A node of the nested graph: a name, tags, a few numbers, a shared parent. */
  public record Item(String name, Map<String, Integer> tags, double[] weights, Item parent) {}

  /**
   * The value serialized: {@code int} (a boxed Integer), {@code string32} and {@code string4k}
   * (ASCII strings), {@code ints1k} ({@code int[1000]}), {@code doubles64k} ({@code double[65536]},
   * 512 KiB), {@code graph} (a list of 200 {@link Item}s, each with a map of 4 tags and 8 weights,
   * all sharing one parent).
   */
  @Param({"int", "string32", "string4k", "ints1k", "doubles64k", "graph"})
  public String value;

  private ObjectSerializer serializer;
  private Object object;
  private byte[] bytes;
  private Arena arena;
  private MemorySegment stored;

  /** Builds the value, its serialized bytes and a payload object holding them. */
  @Setup(Level.Trial)
  public void setup() {
    serializer = new ObjectSerializer(SerializationBenchmark.class.getClassLoader());
    object = make(value);
    bytes = serializer.serialize(object);
    arena = Arena.ofShared();
    ArrowIpc.PayloadLayout layout = ArrowIpc.payloadLayout(bytes.length, META_FORY);
    stored = arena.allocate(layout.totalSize(), 64);
    writePayload(layout, bytes, stored);
  }

  /** Frees the payload object's memory. */
  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  static Object make(String kind) {
    SplittableRandom random = new SplittableRandom(7);
    return switch (kind) {
      case "int" -> Integer.valueOf(42);
      case "string32" -> "x".repeat(32);
      case "string4k" -> "abcdefgh".repeat(512);
      case "ints1k" -> random.ints(1000).toArray();
      case "doubles64k" -> random.doubles(65_536).toArray();
      case "graph" -> {
        Item root = new Item("root", Map.of("level", 0), new double[8], null);
        List<Item> items = new ArrayList<>(200);
        for (int i = 0; i < 200; i++) {
          Map<String, Integer> tags = new HashMap<>();
          for (int t = 0; t < 4; t++) {
            tags.put("tag" + t, random.nextInt());
          }
          items.add(new Item("item-" + i, tags, random.doubles(8).toArray(), root));
        }
        yield items;
      }
      default -> throw new IllegalArgumentException("unknown value kind '" + kind + "'");
    };
  }

  private static void writePayload(ArrowIpc.PayloadLayout layout, byte[] data, MemorySegment obj) {
    ArrowIpc.writePayloadFraming(obj, layout);
    MemorySegment.copy(data, 0, obj, ValueLayout.JAVA_BYTE, layout.dataOffset(), data.length);
  }

  /** Fory: value to bytes. */
  @Benchmark
  public byte[] serialize() {
    return serializer.serialize(object);
  }

  /** Fory: bytes to value. */
  @Benchmark
  public Object deserialize() {
    return serializer.deserialize(bytes);
  }

  /**
   * What a put of a value too large to stay inline does besides the socket: serialize, lay out the
   * Arrow IPC payload object (schema, record batch of one {@code LargeBinary} cell) and write it
   * with the bytes into (here, native) memory.
   */
  @Benchmark
  public MemorySegment serializeIntoPayload() {
    byte[] data = serializer.serialize(object);
    ArrowIpc.PayloadLayout layout = ArrowIpc.payloadLayout(data.length, META_FORY);
    MemorySegment obj =
        stored.byteSize() >= layout.totalSize() ? stored : arena.allocate(layout.totalSize(), 64);
    writePayload(layout, data, obj);
    return obj;
  }

  /** The other way: find the payload in the Arrow IPC object, copy it out, deserialize. */
  @Benchmark
  public Object deserializeFromPayload() {
    ArrowIpc.PayloadView view = ArrowIpc.readPayload(stored);
    byte[] data =
        stored.asSlice(view.dataOffset(), view.dataLength()).toArray(ValueLayout.JAVA_BYTE);
    return serializer.deserialize(data);
  }
}
