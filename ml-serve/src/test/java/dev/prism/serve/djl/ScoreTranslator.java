package dev.prism.serve.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.prism.serve.BadRequestException;

/** A translator of the user's own: a JSON record in, a JSON record out. */
public class ScoreTranslator
    implements Translator<ScoreTranslator.Features, ScoreTranslator.Score> {

  /**
   * The request.
   *
   * @param x four numbers
   */
  public record Features(float[] x) {}

  /**
   * The answer.
   *
   * @param best the index of the highest output
   * @param scores the outputs
   */
  public record Score(int best, float[] scores) {}

  /** Made by the deployment. */
  public ScoreTranslator() {}

  @Override
  public NDList processInput(TranslatorContext ctx, Features input) {
    if (input.x() == null || input.x().length != 4) {
      throw new BadRequestException("x must hold 4 numbers");
    }
    return new NDList(ctx.getNDManager().create(input.x()));
  }

  @Override
  public Score processOutput(TranslatorContext ctx, NDList list) {
    NDArray a = list.singletonOrThrow();
    return new Score((int) a.argMax().getLong(), a.toFloatArray());
  }
}
