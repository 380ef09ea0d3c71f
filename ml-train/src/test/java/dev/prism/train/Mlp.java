package dev.prism.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A small MLP classifier trained data-parallel: the training function the tests run. */
public final class Mlp {
  private Mlp() {}

  /** Synthetic, learnable data: 3 classes of 8 features around three centres. */
  static Dataset data(int rows) {
    Random r = new Random(3);
    float[][] x = new float[rows][8];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = i % 3;
      for (int j = 0; j < 8; j++) {
        x[i][j] = (float) (r.nextGaussian() * 0.5 + (j % 3 == y[i] ? 1.5 : 0));
      }
    }
    return Dataset.fromArrays(x, y);
  }

  /**
   * Trains for {@code epochs} epochs, resuming from the context's checkpoint; checkpoints every
   * epoch (the parameters in {@code params.txt} and the epoch in {@code epoch.txt}). With {@code
   * dieAtEpoch} set, rank 1 kills its own process (as kill -9) at that epoch on the first attempt.
   *
   * @param ctx the context
   * @throws Exception on failure
   */
  public static void train(TrainContext ctx) throws Exception {
    int batch = ((Number) ctx.config().get("batch")).intValue();
    int epochs = ((Number) ctx.config().get("epochs")).intValue();
    float lr = ((Number) ctx.config().get("lr")).floatValue();
    int dieAt = ((Number) ctx.config().getOrDefault("dieAtEpoch", -1)).intValue();
    Engine.getInstance().setRandomSeed(7);
    try (Model model = Model.newInstance("mlp", ctx.device())) {
      SequentialBlock net =
          new SequentialBlock()
              .add(Linear.builder().setUnits(16).build())
              .add(Activation::relu)
              .add(Linear.builder().setUnits(3).build());
      model.setBlock(net);
      DefaultTrainingConfig tc =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).build());
      try (Trainer trainer = model.newTrainer(tc)) {
        trainer.initialize(new Shape(batch, 8));
        int start = 0;
        if (ctx.checkpoint().isPresent()) {
          Path cp = ctx.checkpoint().get().path();
          setParams(net, Files.readString(cp.resolve("params.txt")));
          start = Integer.parseInt(Files.readString(cp.resolve("epoch.txt")).trim()) + 1;
        }
        ctx.broadcastParameters(net);
        DatasetShard shard = ctx.datasetShard("train");
        NDManager root = trainer.getManager();
        for (int epoch = start; epoch < epochs; epoch++) {
          if (epoch == dieAt && ctx.worldRank() == 1) {
            Path marker = ctx.runDirectory().resolve("died-once");
            if (!Files.exists(marker)) {
              Files.writeString(marker, "x");
              new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
                  .start()
                  .waitFor();
            }
          }
          double lossSum = 0;
          int steps = 0;
          for (Batch b : shard.batches(batch, epoch)) {
            try (NDManager m = root.newSubManager()) {
              NDArray x = m.create(b.features(), new Shape(b.size(), b.featureSize()));
              NDArray y = m.create(b.labels());
              try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(pred));
                gc.backward(loss);
                lossSum += loss.getFloat();
                steps++;
              }
              ctx.allreduceGradients(trainer);
              trainer.step();
            }
          }
          float[] local = flatParams(net);
          float[] all = new float[local.length * ctx.worldSize()];
          try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var in = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, local);
            var out = arena.allocate((long) all.length * 4);
            ctx.communicator().allgather(in, out);
            all = out.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
          }
          boolean identical = true;
          for (int r = 1; r < ctx.worldSize(); r++) {
            for (int i = 0; i < local.length; i++) {
              identical &=
                  Float.floatToIntBits(all[i]) == Float.floatToIntBits(all[r * local.length + i]);
            }
          }
          Checkpoint cp = Checkpoint.create();
          Files.writeString(cp.file("params.txt"), paramsText(local));
          Files.writeString(cp.file("epoch.txt"), Integer.toString(epoch));
          Map<String, Object> metrics = new LinkedHashMap<>();
          metrics.put("epoch", epoch);
          metrics.put("loss", lossSum / Math.max(1, steps));
          metrics.put("steps", steps);
          metrics.put("ranksIdentical", identical);
          ctx.report(metrics, cp);
        }
      }
    }
  }

  static float[] flatParams(SequentialBlock net) {
    List<float[]> parts = new ArrayList<>();
    int n = 0;
    for (Pair<String, Parameter> p : net.getParameters()) {
      float[] a = p.getValue().getArray().toFloatArray();
      parts.add(a);
      n += a.length;
    }
    float[] out = new float[n];
    int off = 0;
    for (float[] a : parts) {
      System.arraycopy(a, 0, out, off, a.length);
      off += a.length;
    }
    return out;
  }

  static String paramsText(float[] a) {
    StringBuilder b = new StringBuilder();
    for (float f : a) {
      b.append(Float.floatToIntBits(f)).append('\n');
    }
    return b.toString();
  }

  static float[] readParams(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    float[] out = new float[lines.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Float.intBitsToFloat(Integer.parseInt(lines.get(i).trim()));
    }
    return out;
  }

  private static void setParams(SequentialBlock net, String text) {
    String[] lines = text.trim().split("\n");
    int off = 0;
    for (Pair<String, Parameter> p : net.getParameters()) {
      NDArray arr = p.getValue().getArray();
      float[] a = new float[(int) arr.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = Float.intBitsToFloat(Integer.parseInt(lines[off + i].trim()));
      }
      arr.set(a);
      off += a.length;
    }
  }
}
