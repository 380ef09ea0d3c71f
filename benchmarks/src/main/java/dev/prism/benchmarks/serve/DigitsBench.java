package dev.prism.benchmarks.serve;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.prism.serve.Application;
import dev.prism.serve.djl.DjlModelConfig;
import dev.prism.serve.djl.DjlModelDeployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The batched model shape: the digits MLP (64-128-10, the net of the digits example and of the Ray
 * side's {@code serve_apps.py digits}) served by ml-serve's DJL deployment, {@code {"pixels": [64
 * numbers 0..16]}} in and {@code {"digit": k}} out, as the Ray side answers; batches of at most 10
 * waiting at most 10 ms, and at most 10 requests per replica, as on the Ray side. The weights are
 * random with a fixed seed (the Ray side trains for a second first): inference costs the same.
 */
final class DigitsBench {

  private DigitsBench() {}

  static Application application() throws IOException {
    Path dir = Files.createTempDirectory("prism-serve-bench-digits");
    dir.toFile().deleteOnExit();
    ai.djl.engine.Engine.getInstance().setRandomSeed(11);
    try (Model m = Model.newInstance("digits")) {
      m.setBlock(new Network().newBlock(m, dir, Map.of()));
      m.getBlock().initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 64));
      m.save(dir, "digits");
    }
    DjlModelConfig config =
        DjlModelConfig.of(dir.toString())
            .withModelName("digits")
            .withBlockFactory(Network.class)
            .withTranslator(DigitTranslator.class)
            .withBatching(10, Duration.ofMillis(10));
    return DjlModelDeployment.deployment(config).maxOngoingRequests(10).build().bind(config);
  }

  /** The 64-128-10 MLP. */
  public static final class Network implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Made by DJL. */
    public Network() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
      return new SequentialBlock()
          .add(Linear.builder().setUnits(128).build())
          .add(Activation::relu)
          .add(Linear.builder().setUnits(10).build());
    }
  }

  /** {@code {"pixels": [...]}} in, {@code {"digit": k}} out; DJL stacks a batch into one tensor. */
  public static final class DigitTranslator
      implements Translator<DigitTranslator.Pixels, DigitTranslator.Digit> {

    /**
     * The request.
     *
     * @param pixels 64 intensities 0..16
     */
    public record Pixels(float[] pixels) {}

    /**
     * The answer.
     *
     * @param digit the class
     */
    public record Digit(int digit) {}

    /** Made by the deployment. */
    public DigitTranslator() {}

    @Override
    public NDList processInput(TranslatorContext ctx, Pixels in) {
      float[] x = new float[64];
      for (int i = 0; i < 64; i++) {
        x[i] = in.pixels()[i] / 16f;
      }
      return new NDList(ctx.getNDManager().create(x));
    }

    @Override
    public Digit processOutput(TranslatorContext ctx, NDList list) {
      NDArray out = list.singletonOrThrow();
      return new Digit((int) out.argMax().getLong());
    }
  }
}
