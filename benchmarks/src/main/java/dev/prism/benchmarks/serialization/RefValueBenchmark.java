package dev.prism.benchmarks.serialization;

import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of values that hold object refs, through the public API of a driver on an embedded
 * cluster (no worker is started): {@code Prism.put} of a list of 1,000 refs serializes it while
 * collecting the nested refs (each one tracked as contained in the new object), and {@code
 * Prism.get} deserializes it back into live refs. A list of 1,000 {@code Integer}s is the baseline
 * of the same size without refs.
 *
 * <p>Run: {@code benchmarks/run jmh RefValueBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
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
public class RefValueBenchmark {

  private List<ObjectRef<Integer>> refs;
  private List<Integer> ints;
  private ObjectRef<List<ObjectRef<Integer>>> storedRefs;
  private ObjectRef<List<Integer>> storedInts;

  /** Starts an embedded cluster without workers and puts 1,000 small objects. */
  @Setup(Level.Trial)
  public void setup() {
    Prism.init(
        PrismConfig.builder().numCpus(1).prestartWorkers(0).objectStoreMemory(64L << 20).build());
    refs = new ArrayList<>(1000);
    ints = new ArrayList<>(1000);
    for (int i = 0; i < 1000; i++) {
      refs.add(Prism.put(i));
      ints.add(i);
    }
    storedRefs = Prism.put(refs);
    storedInts = Prism.put(ints);
  }

  /** Stops the cluster. */
  @TearDown(Level.Trial)
  public void tearDown() {
    Prism.shutdown();
  }

  /** Put a list of 1,000 refs (serialize + record the contained refs). */
  @Benchmark
  public ObjectRef<List<ObjectRef<Integer>>> putListOf1kRefs() {
    return Prism.put(refs);
  }

  /** Get a list of 1,000 refs back (deserialize into live refs). */
  @Benchmark
  public List<ObjectRef<Integer>> getListOf1kRefs() {
    return Prism.get(storedRefs);
  }

  /** Baseline: put a list of 1,000 Integers. */
  @Benchmark
  public ObjectRef<List<Integer>> putListOf1kInts() {
    return Prism.put(ints);
  }

  /** Baseline: get a list of 1,000 Integers back. */
  @Benchmark
  public List<Integer> getListOf1kInts() {
    return Prism.get(storedInts);
  }
}
