package dev.prism.benchmarks.store;

import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;
import dev.prism.store.internal.BlockAllocator;
import dev.prism.store.internal.Session;
import dev.prism.store.internal.SharedMemory;
import dev.prism.store.internal.Spiller;
import dev.prism.store.internal.StoreCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
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
 * JMH benchmarks of the store's hot internals: the best-fit allocator on a fragmented heap and the
 * object table (lookup, and a create+seal+delete cycle, in-process, no socket).
 *
 * <p>Run: {@code java -cp ... org.openjdk.jmh.Main StoreInternalsBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class StoreInternalsBenchmark {

  private BlockAllocator allocator;
  private final ArrayDeque<long[]> live = new ArrayDeque<>();
  private SplittableRandom random;

  private Path spillDir;
  private StoreCore core;
  private Session session;
  private ObjectId[] ids;
  private int next;

  /** Builds a fragmented allocator (10k live blocks) and a table of 100k sealed objects. */
  @Setup(Level.Trial)
  public void setup() throws Exception {
    random = new SplittableRandom(42);
    allocator = new BlockAllocator(1L << 34);
    for (int i = 0; i < 20_000; i++) {
      long size = 64 + random.nextInt(1 << 16);
      live.add(new long[] {allocator.allocate(size), size});
    }
    for (int i = 0; i < 10_000; i++) { // free every other block: many holes
      long[] b = live.poll();
      allocator.free(b[0], b[1]);
      live.add(live.poll());
    }
    spillDir = Files.createTempDirectory("prism-jmh-spill");
    SharedMemory memory =
        SharedMemory.create(
            Path.of("/dev/shm", "prism-jmh-" + ProcessHandle.current().pid() + ".store"),
            64L << 20);
    core = new StoreCore(memory, new Spiller(spillDir.resolve("s")));
    session = core.openSession(1, "jmh").session();
    ids = new ObjectId[100_000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ObjectId.random();
      core.create(session, ids[i], 0, CopyKind.PRIMARY, 0);
      core.seal(session, ids[i]);
    }
  }

  /** Removes the shared-memory file and the spill directory. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    core.close();
    Files.deleteIfExists(spillDir);
  }

  /** One allocation of a random size on the fragmented heap, and one free of an older block. */
  @Benchmark
  public long allocateAndFree() {
    long size = 64 + random.nextInt(1 << 16);
    long off = allocator.allocate(size);
    live.add(new long[] {off, size});
    long[] old = live.poll();
    allocator.free(old[0], old[1]);
    return off;
  }

  /** Object-table lookup (contains) among 100k objects. */
  @Benchmark
  public boolean tableLookup() {
    next = (next + 7919) % ids.length;
    return core.contains(ids[next]);
  }

  /** A whole create + seal + delete of a 1 KiB object in the core (no socket). */
  @Benchmark
  public long createSealDelete() {
    ObjectId id = ObjectId.random();
    long off = core.create(session, id, 1024, CopyKind.PRIMARY, 0);
    core.seal(session, id);
    core.delete(id);
    return off;
  }
}
