package dev.prism.benchmarks.collective;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.collective.CollectiveGroup;
import dev.prism.collective.Communicator;
import dev.prism.collective.DataType;
import dev.prism.collective.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Allreduce (SUM, float32) between 2 worker processes of one node, sizes 1 KiB to 256 MiB, with the
 * protocol of {@code benchmarks/peers/torch/allreduce.py} (torch.distributed gloo): per size, 5
 * warm-up calls, then 5 rounds of {@code clamp(256 MiB / size, 5, 200)} calls; each round's time
 * per call; mean and population standard deviation over rounds. Bus bandwidth is NCCL's: size /
 * time * 2 (n - 1) / n. Also memcpy bandwidth (one off-heap copy of the same size, in this JVM) as
 * the same-node reference. {@code benchmarks/run allreduce [--max-mib N] [--ranks N]}.
 */
public final class AllreduceBenchmark {
  private AllreduceBenchmark() {}

  /** One rank: joins the group, then times the sizes. */
  public static final class Rank {
    private Communicator comm;

    /** Creates the rank. */
    public Rank() {}

    /**
     * Joins the group.
     *
     * @param group the group
     * @param rank this rank
     * @return the rank
     */
    public int join(CollectiveGroup group, Integer rank) {
      comm = group.join(rank);
      return rank;
    }

    /**
     * Times allreduce for each size.
     *
     * @param sizes the sizes in bytes
     * @return per size: mean seconds per call, then standard deviation, as pairs
     */
    public double[] run(long[] sizes) {
      double[] out = new double[sizes.length * 2];
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buf = arena.allocate(sizes[sizes.length - 1], 64);
        for (int s = 0; s < sizes.length; s++) {
          MemorySegment data = buf.asSlice(0, sizes[s]);
          int calls = calls(sizes[s]);
          for (int i = 0; i < 5; i++) {
            comm.allreduce(data, DataType.FLOAT32, ReduceOp.SUM);
          }
          double[] rounds = new double[5];
          for (int r = 0; r < rounds.length; r++) {
            comm.barrier();
            long t = System.nanoTime();
            for (int i = 0; i < calls; i++) {
              comm.allreduce(data, DataType.FLOAT32, ReduceOp.SUM);
            }
            rounds[r] = (System.nanoTime() - t) / 1e9 / calls;
          }
          out[2 * s] = mean(rounds);
          out[2 * s + 1] = sd(rounds);
        }
      }
      return out;
    }
  }

  static int calls(long size) {
    return (int) Math.max(5, Math.min(200, (256L << 20) / size));
  }

  static double mean(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s / a.length;
  }

  static double sd(double[] a) {
    double m = mean(a);
    double s = 0;
    for (double v : a) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / a.length);
  }

  /**
   * Runs the benchmark.
   *
   * @param args {@code --max-mib N} (256), {@code --ranks N} (2)
   */
  public static void main(String[] args) {
    long maxBytes = 256L << 20;
    int ranks = 2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--max-mib" -> maxBytes = Long.parseLong(args[i + 1]) << 20;
        case "--ranks" -> ranks = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Long> sizeList = new ArrayList<>();
    for (long s = 1024; s <= maxBytes; s *= 4) {
      sizeList.add(s);
    }
    long[] sizes = sizeList.stream().mapToLong(Long::longValue).toArray();
    Prism.init(PrismConfig.builder().numCpus(ranks).build());
    try {
      CollectiveGroup group =
          CollectiveGroup.create("allreduce-bench", ranks, Duration.ofMinutes(5));
      List<ActorHandle<Rank>> actors = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        actors.add(Prism.actor(Rank::new).setResource("CPU", 1).remote());
      }
      List<ObjectRef<Integer>> joined = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        joined.add(actors.get(r).task(Rank::join, group, r).remote());
      }
      Prism.get(joined, Duration.ofMinutes(2));
      List<ObjectRef<double[]>> runs = new ArrayList<>();
      for (ActorHandle<Rank> a : actors) {
        runs.add(a.task(Rank::run, sizes).remote());
      }
      double[] t = Prism.get(runs, Duration.ofMinutes(20)).getFirst();
      System.out.printf(
          Locale.ROOT,
          "%-10s %14s %12s %14s %14s%n",
          "size",
          "time (us)",
          "+- (us)",
          "busbw (GB/s)",
          "memcpy (GB/s)");
      double factor = 2.0 * (ranks - 1) / ranks;
      for (int s = 0; s < sizes.length; s++) {
        double sec = t[2 * s];
        System.out.printf(
            Locale.ROOT,
            "%-10s %14.1f %12.1f %14.3f %14.3f%n",
            human(sizes[s]),
            sec * 1e6,
            t[2 * s + 1] * 1e6,
            sizes[s] / sec * factor / 1e9,
            memcpy(sizes[s]));
      }
      actors.forEach(Prism::kill);
      group.destroy();
    } finally {
      Prism.shutdown();
    }
  }

  /** GB/s of one copy of {@code size} bytes between two off-heap buffers (same protocol). */
  static double memcpy(long size) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment a = arena.allocate(size, 64);
      MemorySegment b = arena.allocate(size, 64);
      a.fill((byte) 1);
      b.fill((byte) 2);
      int calls = calls(size);
      for (int i = 0; i < 5; i++) {
        b.copyFrom(a);
      }
      double[] rounds = new double[5];
      for (int r = 0; r < rounds.length; r++) {
        long t = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          b.copyFrom(a);
        }
        rounds[r] = (System.nanoTime() - t) / 1e9 / calls;
      }
      return size / mean(rounds) / 1e9;
    }
  }

  static String human(long bytes) {
    if (bytes >= 1L << 20) {
      return (bytes >> 20) + " MiB";
    }
    return (bytes >> 10) + " KiB";
  }
}
