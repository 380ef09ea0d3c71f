package dev.prism.serve.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

/**
 * The built-in translator of {@link DjlModelDeployment}: one float tensor in (the model's single
 * input, without the batch axis), the model's outputs out, as float tensors without the batch axis.
 * Its batchifier is DJL's default, {@code STACK}: a batch of instances of one shape becomes one
 * forward pass.
 */
public final class TensorTranslator implements Translator<Tensor, Tensor[]> {

  private final boolean softmax;

  /**
   * Makes the translator.
   *
   * @param softmax whether to apply a softmax over the last axis of the first output
   */
  public TensorTranslator(boolean softmax) {
    this.softmax = softmax;
  }

  /**
   * Turns one instance into the model's input.
   *
   * @param ctx the context
   * @param input the instance
   * @return the model's input
   */
  @Override
  public NDList processInput(TranslatorContext ctx, Tensor input) {
    return new NDList(ctx.getNDManager().create(input.values(), new Shape(input.shape())));
  }

  /**
   * Turns the model's outputs for one instance into tensors.
   *
   * @param ctx the context
   * @param list the outputs
   * @return one tensor per output
   */
  @Override
  public Tensor[] processOutput(TranslatorContext ctx, NDList list) {
    Tensor[] out = new Tensor[list.size()];
    for (int i = 0; i < out.length; i++) {
      NDArray a = list.get(i);
      if (i == 0 && softmax) {
        a = a.softmax(-1);
      }
      if (a.getDataType() != DataType.FLOAT32) {
        a = a.toType(DataType.FLOAT32, false);
      }
      out[i] = new Tensor(a.toFloatArray(), a.getShape().getShape());
    }
    return out;
  }
}
