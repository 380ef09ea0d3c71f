package dev.prism.examples;

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
import dev.prism.collective.ReduceOp;
import dev.prism.train.Batch;
import dev.prism.train.Checkpoint;
import dev.prism.train.Dataset;
import dev.prism.train.DatasetShard;
import dev.prism.train.TrainContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The handwritten digits classifier: the data set (shipped in the jar), a deterministic train/test
 * split, and the per-worker training function of a 64-128-10 MLP trained data-parallel with DJL.
 */
public final class Digits {
  /** Rows held out for testing (20%, by a fixed seed). */
  static final double TEST_FRACTION = 0.2;

  private Digits() {}

  /** Train and test data sets, put in the object store. */
  record Split(Dataset train, Dataset test, int trainRows, int testRows) {}

  /**
   * The split as arrays: 64 features per row scaled to 0..1 (the pixels' 0..16 divided by 16), and
   * the digit of each row.
   */
  record Rows(float[][] trainX, int[] trainY, float[][] testX, int[] testY) {}

  /**
   * Loads the 1,797 digits (features scaled to 0..1) and splits them 80/20 with a fixed seed.
   *
   * @return the two data sets
   */
  static Split load() {
    Rows r = rows();
    return new Split(
        Dataset.fromArrays(r.trainX(), r.trainY()),
        Dataset.fromArrays(r.testX(), r.testY()),
        r.trainY().length,
        r.testY().length);
  }

  /**
   * The network: 64 inputs, {@code hidden} ReLU units, 10 logits.
   *
   * @param hidden the hidden layer's width
   * @return the block, not initialized
   */
  static SequentialBlock network(int hidden) {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(10).build());
  }

  /**
   * Loads the 1,797 digits and splits them as {@link #load()} does, into arrays.
   *
   * @return the rows
   */
  static Rows rows() {
    List<float[]> x = new ArrayList<>();
    List<Integer> y = new ArrayList<>();
    try (InputStream raw = Digits.class.getResourceAsStream("/datasets/digits.csv.gz")) {
      if (raw == null) {
        throw new IllegalStateException("datasets/digits.csv.gz is missing from the class path");
      }
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split(",");
        float[] row = new float[64];
        for (int i = 0; i < 64; i++) {
          row[i] = Float.parseFloat(cells[i]) / 16f;
        }
        x.add(row);
        y.add(Integer.parseInt(cells[64].trim()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the digits data set", e);
    }
    int n = x.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random r = new Random(2026);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int testRows = (int) Math.round(n * TEST_FRACTION);
    int trainRows = n - testRows;
    float[][] trainX = new float[trainRows][];
    int[] trainY = new int[trainRows];
    float[][] testX = new float[testRows][];
    int[] testY = new int[testRows];
    for (int i = 0; i < n; i++) {
      int row = order[i];
      if (i < trainRows) {
        trainX[i] = x.get(row);
        trainY[i] = y.get(row);
      } else {
        testX[i - trainRows] = x.get(row);
        testY[i - trainRows] = y.get(row);
      }
    }
    return new Rows(trainX, trainY, testX, testY);
  }

  /**
   * The training function every rank runs: Adam on the mean of all ranks' gradients, an evaluation
   * on the test set after each epoch (each rank scores its slice; an allreduce sums the counts), a
   * report per epoch and a checkpoint (the DJL model) every {@code checkpointEvery} epochs and at
   * the end. Config: {@code epochs}, {@code batch} (per rank), {@code lr}, {@code hidden}, {@code
   * checkpointEvery}.
   *
   * @param ctx this rank's context
   * @throws Exception on failure
   */
  public static void train(TrainContext ctx) throws Exception {
    int epochs = ((Number) ctx.config().get("epochs")).intValue();
    int batch = ((Number) ctx.config().get("batch")).intValue();
    float lr = ((Number) ctx.config().get("lr")).floatValue();
    int hidden = ((Number) ctx.config().getOrDefault("hidden", 128)).intValue();
    int every = ((Number) ctx.config().getOrDefault("checkpointEvery", 5)).intValue();
    Engine.getInstance().setRandomSeed(11);
    try (Model model = Model.newInstance("digits", ctx.device())) {
      SequentialBlock net = network(hidden);
      model.setBlock(net);
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build())
              .optDevices(new ai.djl.Device[] {ctx.device()});
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(batch, 64));
        int start = 0;
        if (ctx.checkpoint().isPresent()) {
          Checkpoint cp = ctx.checkpoint().get();
          model.load(cp.path(), "digits");
          start = Integer.parseInt(Files.readString(cp.file("epoch.txt")).trim()) + 1;
        }
        ctx.broadcastParameters(net);
        DatasetShard train = ctx.datasetShard("train");
        DatasetShard test = ctx.datasetShard("test");
        NDManager root = trainer.getManager();
        for (int epoch = start; epoch < epochs; epoch++) {
          double lossSum = 0;
          int steps = 0;
          for (Batch b : train.batches(batch, epoch)) {
            try (NDManager m = root.newSubManager()) {
              NDArray x = m.create(b.features(), new Shape(b.size(), b.featureSize()));
              NDArray y = m.create(b.labels());
              try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                gc.backward(loss);
                lossSum += loss.getFloat();
                steps++;
              }
              ctx.allreduceGradients(trainer);
              trainer.step();
            }
          }
          double[] counts = {0, 0, lossSum, steps};
          for (Batch b : test.evalBatches(256)) {
            try (NDManager m = root.newSubManager()) {
              NDArray x = m.create(b.features(), new Shape(b.size(), b.featureSize()));
              NDArray pred = trainer.evaluate(new NDList(x)).singletonOrThrow().argMax(1);
              long[] p = pred.toLongArray();
              for (int i = 0; i < b.size(); i++) {
                counts[0] += p[i] == b.labels()[i] ? 1 : 0;
              }
              counts[1] += b.size();
            }
          }
          ctx.communicator().allreduce(counts, ReduceOp.SUM);
          Map<String, Object> metrics = new LinkedHashMap<>();
          metrics.put("epoch", epoch);
          metrics.put("loss", counts[2] / Math.max(1, counts[3]));
          metrics.put("accuracy", counts[0] / counts[1]);
          boolean save = (epoch + 1) % every == 0 || epoch == epochs - 1;
          Checkpoint cp = null;
          if (save) {
            cp = Checkpoint.create();
            if (ctx.worldRank() == 0) {
              model.save(cp.path(), "digits");
              Files.writeString(cp.file("epoch.txt"), Integer.toString(epoch));
            }
          }
          ctx.report(metrics, cp);
        }
      }
    }
  }
}
