package dev.prism.benchmarks.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.collective.ReduceOp;
import dev.prism.train.Batch;
import dev.prism.train.DataParallelTrainer;
import dev.prism.train.Dataset;
import dev.prism.train.DatasetShard;
import dev.prism.train.Result;
import dev.prism.train.RunConfig;
import dev.prism.train.ScalingConfig;
import dev.prism.train.TrainContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Training throughput of the digits MLP (64-128-10, Adam 0.003, softmax cross-entropy), global
 * batch 64, with the protocol of {@code benchmarks/peers/ray/train_digits.py} (Ray Train's
 * TorchTrainer): the rows with {@code index % 5 == 0} held out, {@code --epochs} epochs (60), the
 * first {@code --warmup-epochs} (5) a warm-up; samples/s over the rest (rows of the global batches
 * trained / seconds, the clock read on rank 0 after a barrier); test accuracy at the end. Runs
 * plain DJL in this process (no Prism), then Prism with 1 and 2 workers. {@code benchmarks/run
 * train [--epochs N]}.
 */
public final class TrainThroughput {
  static final int GLOBAL_BATCH = 64;

  private TrainThroughput() {}

  record Data(float[][] trainX, int[] trainY, float[][] testX, int[] testY) {}

  static Data load(Path csv) throws IOException {
    List<float[]> trX = new ArrayList<>();
    List<Integer> trY = new ArrayList<>();
    List<float[]> teX = new ArrayList<>();
    List<Integer> teY = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(csv)), StandardCharsets.UTF_8))) {
      String line;
      int i = 0;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        String[] c = line.split(",");
        float[] row = new float[64];
        for (int j = 0; j < 64; j++) {
          row[j] = Float.parseFloat(c[j]) / 16f;
        }
        int label = Integer.parseInt(c[64].trim());
        if (i++ % 5 == 0) {
          teX.add(row);
          teY.add(label);
        } else {
          trX.add(row);
          trY.add(label);
        }
      }
    }
    return new Data(
        trX.toArray(float[][]::new),
        trY.stream().mapToInt(Integer::intValue).toArray(),
        teX.toArray(float[][]::new),
        teY.stream().mapToInt(Integer::intValue).toArray());
  }

  static SequentialBlock mlp() {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(128).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(10).build());
  }

  static DefaultTrainingConfig config() {
    return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.003f)).build());
  }

  /**
   * The per-worker loop on Prism.
   *
   * @param ctx the context
   * @throws Exception on failure
   */
  public static void prismLoop(TrainContext ctx) throws Exception {
    int epochs = ((Number) ctx.config().get("epochs")).intValue();
    int batch = GLOBAL_BATCH / ctx.worldSize();
    Engine.getInstance().setRandomSeed(11);
    try (Model model = Model.newInstance("mlp", ctx.device())) {
      SequentialBlock net = mlp();
      model.setBlock(net);
      try (Trainer trainer = model.newTrainer(config())) {
        trainer.initialize(new Shape(batch, 64));
        ctx.broadcastParameters(net);
        DatasetShard train = ctx.datasetShard("train");
        DatasetShard test = ctx.datasetShard("test");
        NDManager root = trainer.getManager();
        int warmup = ((Number) ctx.config().get("warmup")).intValue();
        long start = 0;
        long samples = 0;
        long syncNanos = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
          if (epoch == warmup) {
            ctx.communicator().barrier();
            start = System.nanoTime();
          }
          for (Batch b : train.batches(batch, epoch)) {
            try (NDManager m = root.newSubManager()) {
              NDArray x = m.create(b.features(), new Shape(b.size(), b.featureSize()));
              NDArray y = m.create(b.labels());
              try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray loss =
                    trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                gc.backward(loss);
              }
              long t0 = System.nanoTime();
              ctx.allreduceGradients(trainer);
              if (epoch >= warmup) {
                syncNanos += System.nanoTime() - t0;
              }
              trainer.step();
            }
            if (epoch >= warmup) {
              samples += (long) b.size() * ctx.worldSize();
            }
          }
        }
        ctx.communicator().barrier();
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] counts = {0, 0};
        for (Batch b : test.evalBatches(256)) {
          try (NDManager m = root.newSubManager()) {
            NDArray x = m.create(b.features(), new Shape(b.size(), b.featureSize()));
            long[] p = trainer.evaluate(new NDList(x)).singletonOrThrow().argMax(1).toLongArray();
            for (int i = 0; i < b.size(); i++) {
              counts[0] += p[i] == b.labels()[i] ? 1 : 0;
            }
            counts[1] += b.size();
          }
        }
        ctx.communicator().allreduce(counts, ReduceOp.SUM);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("samples_per_s", samples / seconds);
        metrics.put("seconds", seconds);
        metrics.put("steps", samples / GLOBAL_BATCH);
        metrics.put("sync_ms_per_step", syncNanos / 1e6 / Math.max(1, samples / GLOBAL_BATCH));
        metrics.put("accuracy", counts[0] / counts[1]);
        ctx.report(metrics);
      }
    }
  }

  /** Plain DJL in this process: the same model, batches and clock, no Prism. */
  static double[] plainDjl(Data d, int epochs, int warmup) {
    Engine.getInstance().setRandomSeed(11);
    try (Model model = Model.newInstance("mlp")) {
      model.setBlock(mlp());
      try (Trainer trainer = model.newTrainer(config())) {
        trainer.initialize(new Shape(GLOBAL_BATCH, 64));
        NDManager root = trainer.getManager();
        int rows = d.trainX().length;
        FloatBuffer buf = FloatBuffer.allocate(GLOBAL_BATCH * 64);
        long start = 0;
        long samples = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
          if (epoch == warmup) {
            start = System.nanoTime();
          }
          int[] order = permutation(rows, epoch);
          for (int k = 0; k + GLOBAL_BATCH <= rows; k += GLOBAL_BATCH) {
            buf.clear();
            int[] y = new int[GLOBAL_BATCH];
            for (int i = 0; i < GLOBAL_BATCH; i++) {
              buf.put(d.trainX()[order[k + i]]);
              y[i] = d.trainY()[order[k + i]];
            }
            buf.flip();
            try (NDManager m = root.newSubManager()) {
              NDArray x = m.create(buf, new Shape(GLOBAL_BATCH, 64));
              try (GradientCollector gc = trainer.newGradientCollector()) {
                gc.backward(
                    trainer
                        .getLoss()
                        .evaluate(new NDList(m.create(y)), trainer.forward(new NDList(x))));
              }
              trainer.step();
            }
            if (epoch >= warmup) {
              samples += GLOBAL_BATCH;
            }
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int correct = 0;
        try (NDManager m = root.newSubManager()) {
          float[] flat = new float[d.testX().length * 64];
          for (int i = 0; i < d.testX().length; i++) {
            System.arraycopy(d.testX()[i], 0, flat, i * 64, 64);
          }
          long[] p =
              trainer
                  .evaluate(new NDList(m.create(flat, new Shape(d.testX().length, 64))))
                  .singletonOrThrow()
                  .argMax(1)
                  .toLongArray();
          for (int i = 0; i < p.length; i++) {
            correct += p[i] == d.testY()[i] ? 1 : 0;
          }
        }
        return new double[] {samples / seconds, seconds, (double) correct / d.testX().length};
      }
    }
  }

  /** The same per-epoch order as {@code DatasetShard.batches} (the trainer's seed, 42). */
  static int[] permutation(int rows, int epoch) {
    return DatasetShard.epochOrder(rows, 42, epoch);
  }

  /**
   * Runs the benchmark.
   *
   * @param args {@code --epochs N} (60), {@code --warmup-epochs N} (5), {@code --data FILE} (the
   *     digits CSV, gzipped)
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int epochs = 60;
    int warmup = 5;
    Path data = Path.of("examples/src/main/resources/datasets/digits.csv.gz");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--warmup-epochs" -> warmup = Integer.parseInt(args[i + 1]);
        case "--data" -> data = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.offline", "true");
    Data d = load(data);
    System.out.printf(
        Locale.ROOT,
        "digits MLP 64-128-10, Adam 0.003, global batch %d, %d epochs (the first %d warm-up), %d"
            + " train / %d test rows%n",
        GLOBAL_BATCH,
        epochs,
        warmup,
        d.trainX().length,
        d.testX().length);
    System.out.printf(
        Locale.ROOT, "%-22s %14s %10s %10s%n", "run", "samples/s", "seconds", "accuracy");
    if (warmup < 1 || warmup >= epochs) {
      throw new IllegalArgumentException("give 1 <= --warmup-epochs < --epochs");
    }
    double[] plain = plainDjl(d, epochs, warmup);
    System.out.printf(
        Locale.ROOT,
        "%-22s %14.0f %10.2f %10.4f%n",
        "plain DJL, 1 process",
        plain[0],
        plain[1],
        plain[2]);
    Prism.init(PrismConfig.builder().numCpus(2).build());
    try {
      Dataset train = Dataset.fromArrays(d.trainX(), d.trainY());
      Dataset test = Dataset.fromArrays(d.testX(), d.testY());
      Path storage = Files.createTempDirectory("prism-train-bench");
      for (int workers : new int[] {1, 2}) {
        Result r =
            DataParallelTrainer.builder(TrainThroughput::prismLoop)
                .scalingConfig(ScalingConfig.builder().numWorkers(workers).build())
                .runConfig(RunConfig.builder("w" + workers).storagePath(storage).build())
                .dataset("train", train)
                .dataset("test", test)
                .config(Map.of("epochs", epochs, "warmup", warmup))
                .progress(false)
                .build()
                .fit();
        if (r.error().isPresent()) {
          throw new IllegalStateException("run failed", r.error().get());
        }
        TrainReportView v = new TrainReportView(r.metrics());
        System.out.printf(
            Locale.ROOT,
            "%-22s %14.0f %10.2f %10.4f%n",
            "Prism, " + workers + " worker" + (workers > 1 ? "s" : ""),
            v.get("samples_per_s"),
            v.get("seconds"),
            v.get("accuracy"));
        System.out.printf(
            Locale.ROOT, "  gradient allreduce: %.3f ms per step%n", v.get("sync_ms_per_step"));
        if (workers == 1) {
          double steps = v.get("steps");
          System.out.printf(
              Locale.ROOT,
              "  Prism 1 worker over plain DJL: %.3f ms per step%n",
              (v.get("seconds") - plain[1]) / steps * 1e3);
        }
      }
    } finally {
      Prism.shutdown();
    }
  }

  private record TrainReportView(Map<String, Object> m) {
    double get(String k) {
      return ((Number) m.get(k)).doubleValue();
    }
  }
}
