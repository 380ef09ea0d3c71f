package dev.prism.serve.djl;

import ai.djl.nn.BlockFactory;
import dev.prism.serve.Batcher;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link DjlModelDeployment} serves and how: where the model is, how DJL loads it ({@code
 * Criteria}), the translator, the JSON format of the built-in translator, and the dynamic batching.
 * It is a plain record, so it can be bound as a deployment's constructor argument (the controller
 * keeps it as JSON). Start from {@link #of(String)} and derive with the {@code with...} methods.
 *
 * <pre>{@code
 * DjlModelConfig c = DjlModelConfig.of("/models/mlp")
 *     .withModelName("mlp")
 *     .withBlockFactory(MlpBlockFactory.class)   // the network, for a model saved as parameters
 *     .withInputShape(64)
 *     .withOutput(DjlModelConfig.Output.CLASSIFICATION)
 *     .withBatching(32, Duration.ofMillis(5));
 * }</pre>
 *
 * @param modelUrl where the model is: a local path (file or directory; it must exist on the nodes
 *     replicas run on) or any URL DJL loads ({@code file:}, {@code http(s):}, {@code jar:}, {@code
 *     djl:}, ...)
 * @param modelName the model's name, the prefix of its files ({@code mlp} for {@code
 *     mlp-0010.params}); null for DJL's choice (the directory's or file's name)
 * @param engine the DJL engine, {@code PyTorch} by default (the one ml-serve brings)
 * @param device the device, as DJL names it ({@code cpu}, {@code gpu0}); null for the engine's
 *     default
 * @param blockFactory the class name of a {@link BlockFactory} that builds the network, for a model
 *     saved as parameters only (DJL's {@code .params}); null for a model file that holds its own
 *     network (a TorchScript {@code .pt}) or one whose {@code serving.properties} names the factory
 * @param translator the class name of a DJL {@code Translator<I, O>} or {@code TranslatorFactory}
 *     (public, with a public constructor taking no arguments or the {@link #arguments} map); null
 *     for the built-in {@link TensorTranslator} and its JSON format
 * @param inputType the class name of the translator's input type; null to take it from the
 *     translator's type arguments (or a factory's single supported pair)
 * @param outputType the class name of the translator's output type; null as for {@code inputType}
 * @param inputShape the built-in format's shape of one instance (the batch axis left out); each
 *     instance's numbers are reshaped to it, and an instance with another count is refused with
 *     400; empty to take each instance's shape as it is nested in the JSON
 * @param output the built-in format's answer for each instance
 * @param maxBatchSize the largest batch given to {@code Predictor.batchPredict}, 1 or more; the
 *     user config's {@code maxBatchSize} overrides it at run time
 * @param maxWaitMillis how long a batch may wait to fill after its first instance, 0 or more; the
 *     user config's {@code maxWaitMillis} overrides it at run time
 * @param arguments DJL's {@code Criteria} arguments: given to the block factory, the translator
 *     factory (or the translator's map constructor), and read by DJL itself
 */
public record DjlModelConfig(
    String modelUrl,
    String modelName,
    String engine,
    String device,
    String blockFactory,
    String translator,
    String inputType,
    String outputType,
    List<Long> inputShape,
    Output output,
    int maxBatchSize,
    long maxWaitMillis,
    Map<String, Object> arguments) {

  /** The default engine. */
  public static final String DEFAULT_ENGINE = "PyTorch";

  /** What the built-in JSON format answers for each instance. */
  public enum Output {
    /** The model's first output as nested arrays (all outputs, in a list, when it has several). */
    RAW,
    /** As {@link #RAW}, with a softmax over the last axis of the first output. */
    SOFTMAX,
    /**
     * {@code {"class": k, "probability": p, "probabilities": [...]}}: the softmax of the first
     * output (one score per class) and its arg max.
     */
    CLASSIFICATION
  }

  /**
   * Validates, fills the defaults, copies.
   *
   * @param modelUrl where the model is
   * @param modelName the model's name, or null
   * @param engine the engine, or null for {@link #DEFAULT_ENGINE}
   * @param device the device, or null
   * @param blockFactory a {@link BlockFactory} class name, or null
   * @param translator a translator or translator factory class name, or null
   * @param inputType the input type's class name, or null
   * @param outputType the output type's class name, or null
   * @param inputShape one instance's shape, or null or empty
   * @param output the built-in format's answer, or null for {@link Output#RAW}
   * @param maxBatchSize the largest batch
   * @param maxWaitMillis the wait for a batch to fill
   * @param arguments the Criteria arguments, or null
   */
  public DjlModelConfig {
    if (modelUrl == null || modelUrl.isBlank()) {
      throw new IllegalArgumentException("modelUrl must name the model's path or URL");
    }
    engine = blankToNull(engine) == null ? DEFAULT_ENGINE : engine;
    modelName = blankToNull(modelName);
    device = blankToNull(device);
    blockFactory = blankToNull(blockFactory);
    translator = blankToNull(translator);
    inputType = blankToNull(inputType);
    outputType = blankToNull(outputType);
    inputShape = inputShape == null ? List.of() : List.copyOf(inputShape);
    for (Long d : inputShape) {
      if (d < 1) {
        throw new IllegalArgumentException("inputShape " + inputShape + " has an axis below 1");
      }
    }
    output = output == null ? Output.RAW : output;
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize is " + maxBatchSize + "; it must be >= 1");
    }
    if (maxWaitMillis < 0) {
      throw new IllegalArgumentException("maxWaitMillis is " + maxWaitMillis + "; it must be >= 0");
    }
    arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
  }

  /**
   * A config with the defaults: engine PyTorch, the built-in translator with {@link Output#RAW}
   * answers, batches of up to {@value Batcher#DEFAULT_MAX_BATCH_SIZE} waiting up to 10 ms.
   *
   * @param modelUrl the model's path or URL
   * @return the config
   */
  public static DjlModelConfig of(String modelUrl) {
    return new DjlModelConfig(
        modelUrl,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        Batcher.DEFAULT_MAX_BATCH_SIZE,
        Batcher.DEFAULT_MAX_WAIT.toMillis(),
        null);
  }

  /**
   * With a model name.
   *
   * @param name the prefix of the model's files
   * @return the new config
   */
  public DjlModelConfig withModelName(String name) {
    return with(f -> f.modelName = name);
  }

  /**
   * With an engine.
   *
   * @param name the DJL engine's name
   * @return the new config
   */
  public DjlModelConfig withEngine(String name) {
    return with(f -> f.engine = name);
  }

  /**
   * With a device.
   *
   * @param name the device as DJL names it ({@code cpu}, {@code gpu0})
   * @return the new config
   */
  public DjlModelConfig withDevice(String name) {
    return with(f -> f.device = name);
  }

  /**
   * With a block factory, for a model saved as parameters only.
   *
   * @param factory the factory's class (public, with a public constructor without arguments)
   * @return the new config
   */
  public DjlModelConfig withBlockFactory(Class<? extends BlockFactory> factory) {
    return withBlockFactory(factory.getName());
  }

  /**
   * With a block factory named by its class.
   *
   * @param className the factory's class name
   * @return the new config
   */
  public DjlModelConfig withBlockFactory(String className) {
    return with(f -> f.blockFactory = className);
  }

  /**
   * With a translator of your own: a DJL {@code Translator<I, O>} or {@code TranslatorFactory}
   * class. Requests are then read as {@code I} (JSON into {@code I}; or the body's text for {@code
   * String}, its bytes for {@code byte[]}, a DJL {@code Input} for {@code Input}), and each {@code
   * O} is the answer (written as JSON; text for {@code String}, bytes for {@code byte[]}, its own
   * JSON for DJL's {@code JsonSerializable}, its code and content for a DJL {@code Output}).
   *
   * @param type the translator's or the factory's class
   * @return the new config
   */
  public DjlModelConfig withTranslator(Class<?> type) {
    return withTranslator(type.getName());
  }

  /**
   * With a translator named by its class.
   *
   * @param className the translator's or the factory's class name
   * @return the new config
   */
  public DjlModelConfig withTranslator(String className) {
    return with(f -> f.translator = className);
  }

  /**
   * With the translator's input and output types given, where they cannot be read from its type
   * arguments (a generic translator, or a factory of several pairs).
   *
   * @param input the input type
   * @param output the output type
   * @return the new config
   */
  public DjlModelConfig withTypes(Class<?> input, Class<?> output) {
    return with(
        f -> {
          f.inputType = input.getName();
          f.outputType = output.getName();
          f.output = this.output;
        });
  }

  /**
   * With the built-in format's instance shape.
   *
   * @param shape the shape of one instance, without the batch axis
   * @return the new config
   */
  public DjlModelConfig withInputShape(long... shape) {
    List<Long> s = new java.util.ArrayList<>();
    for (long d : shape) {
      s.add(d);
    }
    return with(f -> f.inputShape = s);
  }

  /**
   * With the built-in format's answer.
   *
   * @param answer raw, softmax, or classification
   * @return the new config
   */
  public DjlModelConfig withOutput(Output answer) {
    return with(f -> f.output = answer);
  }

  /**
   * With batching bounds (the user config can change them at run time).
   *
   * @param maxBatch the largest batch, 1 or more
   * @param maxWait how long a batch may wait to fill, 0 or more
   * @return the new config
   */
  public DjlModelConfig withBatching(int maxBatch, Duration maxWait) {
    return with(
        f -> {
          f.maxBatchSize = maxBatch;
          f.maxWaitMillis = maxWait.toMillis();
        });
  }

  /**
   * With one more Criteria argument.
   *
   * @param name the argument's name
   * @param value its value (a string, number or boolean, so it survives the controller's JSON)
   * @return the new config
   */
  public DjlModelConfig withArgument(String name, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(arguments);
    more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return with(f -> f.arguments = more);
  }

  /**
   * The largest batch's default wait as a duration.
   *
   * @return {@link #maxWaitMillis} as a duration
   */
  public Duration maxWait() {
    return Duration.ofMillis(maxWaitMillis);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** The record's components, to change some and build a new record (see {@link #with}). */
  private static final class Fields {
    String modelUrl;
    String modelName;
    String engine;
    String device;
    String blockFactory;
    String translator;
    String inputType;
    String outputType;
    List<Long> inputShape;
    Output output;
    int maxBatchSize;
    long maxWaitMillis;
    Map<String, Object> arguments;

    Fields(DjlModelConfig c) {
      modelUrl = c.modelUrl;
      modelName = c.modelName;
      engine = c.engine;
      device = c.device;
      blockFactory = c.blockFactory;
      translator = c.translator;
      inputType = c.inputType;
      outputType = c.outputType;
      inputShape = c.inputShape;
      output = c.output;
      maxBatchSize = c.maxBatchSize;
      maxWaitMillis = c.maxWaitMillis;
      arguments = c.arguments;
    }
  }

  /** A copy of this config with what {@code change} sets changed (validated again). */
  private DjlModelConfig with(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new DjlModelConfig(
        f.modelUrl,
        f.modelName,
        f.engine,
        f.device,
        f.blockFactory,
        f.translator,
        f.inputType,
        f.outputType,
        f.inputShape,
        f.output,
        f.maxBatchSize,
        f.maxWaitMillis,
        f.arguments);
  }
}
