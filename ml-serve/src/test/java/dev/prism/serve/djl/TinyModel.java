package dev.prism.serve.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A 4-in, 3-out linear model saved as DJL parameters, and the block factory that rebuilds it. */
public final class TinyModel implements BlockFactory {

  private static final long serialVersionUID = 1L;

  /** The model's name: its file is {@code tiny-0000.params}. */
  public static final String NAME = "tiny";

  /** Rebuilds the network for DJL (the parameters come from the file). */
  public TinyModel() {}

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
    return network();
  }

  static Block network() {
    return new SequentialBlock().add(Linear.builder().setUnits(3).build());
  }

  /**
   * Makes the model with random parameters, saves it in {@code dir}, and returns its outputs for
   * {@code inputs} as computed before saving.
   */
  public static float[][] save(Path dir, float[][] inputs) throws IOException {
    try (Model model = Model.newInstance(NAME)) {
      Block net = network();
      model.setBlock(net);
      NDManager m = model.getNDManager();
      net.initialize(m, DataType.FLOAT32, new Shape(1, 4));
      float[][] out = new float[inputs.length][];
      for (int i = 0; i < inputs.length; i++) {
        NDArray x = m.create(inputs[i], new Shape(1, 4));
        out[i] =
            net.forward(new ParameterStore(m, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
      }
      model.save(dir, NAME);
      return out;
    }
  }
}
