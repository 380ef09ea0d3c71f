package dev.prism.examples;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.RuntimeContext;
import dev.prism.scheduler.GpuDiscovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The guided tour that the README's first command runs: an embedded local cluster (workers are
 * separate JVMs), the seed's programs on it, and what each step shows; last, tasks spreading over
 * two nodes of this machine ({@link TwoNodes}).
 */
public final class Tour {

  private Tour() {}

  static RuntimeContext where() {
    return Prism.runtimeContext();
  }

  static double meanOf(VectorSchemaRoot root) {
    Float8Vector v = (Float8Vector) root.getVector("x");
    double s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += v.get(i);
    }
    return s / root.getRowCount();
  }

  /**
   * Runs the tour.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    Duration wait = Duration.ofMinutes(2);
    long start = System.nanoTime();
    // Logical GPUs when CUDA finds none, so the GPU actor step runs on any machine.
    boolean realGpus = !GpuDiscovery.discover().isEmpty();
    Prism.init(realGpus ? PrismConfig.builder().build() : PrismConfig.builder().numGpus(2).build());
    try {
      RuntimeContext driver = Prism.runtimeContext();
      RuntimeContext worker = Prism.get(Prism.task(Tour::where).remote(), wait);
      step(
          "1. An embedded cluster in %.0f ms: this driver is worker %s; tasks run in separate"
              + " JVMs (this one: worker %s).",
          (System.nanoTime() - start) / 1e6, driver.workerId(), worker.workerId());

      long t = System.nanoTime();
      ObjectRef<long[]> a = Prism.task(Arrays::readArray, "a").remote();
      ObjectRef<long[]> b = Prism.task(Arrays::readArray, "b").remote();
      ObjectRef<long[]> sum = Prism.task(Arrays::add, a, b).remote();
      long total = Prism.get(Prism.task(Arrays::sum, sum).remote(), wait);
      step(
          "2. read_array twice in parallel, add through refs (8 MB arrays never pass through"
              + " the driver: they stay in shared memory): sum = %d, %.0f ms.",
          total, (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      List<Integer> doubled = Prism.get(Prism.task(Graphs::doubleAll, 10_000).remote(), wait);
      step(
          "3. double() over 10,000 futures, submitted and collected by a task: last = %d,"
              + " %.0f ms.",
          doubled.get(doubled.size() - 1), (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      long graph = Prism.get(Prism.task(Graphs::sumRange, 0L, 100_000L).remote(), wait);
      step(
          "4. A task graph that unfolds while it runs (tasks splitting work into tasks that"
              + " wait for their halves; a waiting task lends its CPU, so new workers start):"
              + " sum of 0..99,999 = %d, %.0f ms.",
          graph, (System.nanoTime() - t) / 1e6);

      try (BufferAllocator allocator = new RootAllocator();
          Float8Vector x = new Float8Vector("x", allocator)) {
        int n = 1_000_000;
        x.allocateNew(n);
        for (int i = 0; i < n; i++) {
          x.set(i, i % 10);
        }
        x.setValueCount(n);
        ObjectRef<VectorSchemaRoot> table;
        try (VectorSchemaRoot root = VectorSchemaRoot.of(x)) {
          table = Prism.put(root);
        }
        double mean = Prism.get(Prism.task(Tour::meanOf, table).remote(), wait);
        try (VectorSchemaRoot back = Prism.get(table, wait)) {
          String shared =
              sharedMapping(back.getVector("x").getDataBuffer().memoryAddress())
                  .map(file -> "inside the mapping of " + file)
                  .orElse("not found in a store mapping");
          step(
              "5. Arrow data in the shared-memory object store: a worker computed mean = %.1f"
                  + " over 1M rows; read back here zero-copy (the buffer lies %s).",
              mean, shared);
        }
      }

      t = System.nanoTime();
      ActorHandle<Actors.Counter> counter = Prism.actor(Actors.Counter::new).remote();
      ObjectRef<Integer> one = counter.task(Actors.Counter::inc).remote();
      ObjectRef<Integer> two = counter.task(Actors.Counter::inc).remote();
      int first = Prism.get(one, wait);
      int second = Prism.get(two, wait);
      int afterTask = Prism.get(Prism.task(Actors::incrementMany, counter, 10).remote(), wait);
      step(
          "6. The Counter actor (its own JVM): inc, inc -> %d, %d; a task given the handle"
              + " called inc 10 more times -> %d. %.0f ms.",
          first, second, afterTask, (System.nanoTime() - t) / 1e6);

      ActorHandle<Actors.GpuWorker> gpuA =
          Prism.actor(Actors.GpuWorker::new).setResource("GPU", 1).remote();
      ActorHandle<Actors.GpuWorker> gpuB =
          Prism.actor(Actors.GpuWorker::new).setResource("GPU", 1).remote();
      step(
          "7. Two actors holding one %s GPU each: %s | %s.",
          realGpus ? "CUDA" : "logical",
          Prism.get(gpuA.task(Actors.GpuWorker::devices).remote(), wait),
          Prism.get(gpuB.task(Actors.GpuWorker::devices).remote(), wait));
      gpuA.kill();
      gpuB.kill();

      t = System.nanoTime();
      java.nio.file.Path runs = java.nio.file.Files.createTempDirectory("prism-tour-");
      dev.prism.train.Result trained;
      try {
        trained = TrainDigits.run(2, 3, runs, "tour-digits", false);
      } finally {
        deleteTree(runs);
      }
      step(
          "8. ml-train: a digits classifier (DJL MLP) trained data-parallel on 2 worker actors"
              + " that average gradients with an allreduce every step: 3 epochs, test accuracy"
              + " %.3f, %.0f ms (the full run: ./prism train-digits).",
          trained.metric("accuracy").getLast(), (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      java.nio.file.Path sweeps = java.nio.file.Files.createTempDirectory("prism-tour-tune-");
      TuneDigits.Sweep sweep;
      try {
        sweep =
            TuneDigits.run(new TuneDigits.Options(4, 4, "asha", sweeps, "tour-sweep", 42), false);
      } finally {
        deleteTree(sweeps);
      }
      step(
          "9. ml-tune: a sweep of the same classifier (learning rate, hidden size and batch size"
              + " sampled; ASHA stops the poor trials), each trial training on a reused runner"
              + " actor: %s; best %s, test accuracy %.3f, %.0f ms (the full sweep: ./prism"
              + " tune-digits).",
          sweep.totals(),
          sweep.best().config(),
          sweep.best().metric("accuracy"),
          (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      java.nio.file.Path served = java.nio.file.Files.createTempDirectory("prism-tour-serve-");
      ServeDigits.Outcome endpoint;
      try {
        endpoint = ServeDigits.serve(new ServeDigits.Options(3, null, 100, 0, served, true));
      } finally {
        dev.prism.serve.Serve.shutdown();
        deleteTree(served);
      }
      step(
          "10. ml-serve: the classifier (3 epochs) deployed behind HTTP at %s by a DJL"
              + " deployment (a replica actor, a Netty proxy, a controller actor); %d held-out"
              + " digits POSTed at once: accuracy %.3f, answered in %d ms in %d batches (largest"
              + " %d), %.0f ms in all (serving until Ctrl-C: ./prism serve-digits).",
          endpoint.url(),
          endpoint.requests(),
          endpoint.accuracy(),
          endpoint.wall().toMillis(),
          endpoint.batches(),
          endpoint.largestBatch(),
          (System.nanoTime() - t) / 1e6);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      Prism.shutdown();
    }

    TwoNodes.Outcome spread = TwoNodes.run(6);
    step(
        "11. Two nodes on this machine with LocalCluster: the head in this JVM and a second"
            + " node as its own process (own port, store and worker JVMs; on another machine"
            + " that is 'prism start --address HOST:PORT'). 6 tasks submitted with"
            + " SchedulingStrategy.spread(), each reporting its node:%n%s",
        TwoNodes.describe(spread));
    step("Done: every worker process and the shared memory are gone.");
  }

  /**
   * The object store file whose mapping in this process holds {@code address}, from the kernel's
   * list of this process's mappings ({@code /proc/self/maps}, Linux): proof that a value was read
   * without a copy, seen from outside Prism.
   *
   * @param address a native address
   * @return the store's file ({@code prism-<pid>-<random>.store}), or empty when no store mapping
   *     holds it or the system does not list mappings
   */
  static Optional<String> sharedMapping(long address) {
    List<String> maps;
    try {
      maps = Files.readAllLines(Path.of("/proc/self/maps"));
    } catch (IOException e) {
      return Optional.empty();
    }
    for (String line : maps) {
      String[] f = line.trim().split("\\s+", 6);
      if (f.length < 6 || !f[5].contains("/prism-") || !f[5].contains(".store")) {
        continue;
      }
      int dash = f[0].indexOf('-');
      long from = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
      long to = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
      if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
        return Optional.of(Path.of(f[5].replace(" (deleted)", "")).getFileName().toString());
      }
    }
    return Optional.empty();
  }

  private static void deleteTree(Path root) throws IOException {
    try (var files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void step(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}
