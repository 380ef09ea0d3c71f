package dev.prism.serve.djl;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.nn.BlockFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.JsonSerializable;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.serve.Application;
import dev.prism.serve.BadRequestException;
import dev.prism.serve.Batcher;
import dev.prism.serve.Deployment;
import dev.prism.serve.HttpHandler;
import dev.prism.serve.HttpRequest;
import dev.prism.serve.HttpResponse;
import dev.prism.serve.Reconfigurable;
import dev.prism.serve.ReplicaContext;
import dev.prism.serve.ServeException;
import dev.prism.serve.internal.Json;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ready deployment for DJL models (as Ray Serve users write a deployment around a PyTorch model):
 * each replica loads the model through DJL's {@code Criteria}, {@code ZooModel} and {@code
 * Predictor}, and answers requests with dynamic batching: concurrent requests are gathered by a
 * {@link Batcher} and predicted together in one {@code Predictor.batchPredict}, one forward pass.
 * The predictor is used only by the batcher's thread (predictors are not thread-safe). When a batch
 * fails, its instances are predicted one by one, so one bad request fails alone.
 *
 * <pre>{@code
 * DjlModelConfig config = DjlModelConfig.of("/models/mlp").withModelName("mlp")
 *     .withBlockFactory(MlpBlockFactory.class).withInputShape(64)
 *     .withOutput(DjlModelConfig.Output.CLASSIFICATION);
 * Serve.run(DjlModelDeployment.application(config), "mlp", "/mlp");
 * // curl -d '{"inputs": [[0.1, 0.5, ...], [...]]}' http://127.0.0.1:8000/mlp
 * }</pre>
 *
 * <p><b>The built-in format</b> (no translator configured; {@link TensorTranslator}, float32 in and
 * out). {@code POST} a JSON object {@code {"inputs": [instance, ...]}} and get {@code {"outputs":
 * [answer, ...]}} (or {@code "instances"} and {@code "predictions"}, TensorFlow Serving's and
 * KServe's names), or {@code POST} one instance as a bare JSON array and get its bare answer. An
 * instance is a (nested) array of numbers, reshaped to {@link DjlModelConfig#inputShape()} when
 * set; every instance of a request is batched on its own. An answer is the first output of the
 * model as nested arrays ({@link DjlModelConfig.Output#RAW}), after a softmax ({@code SOFTMAX}), or
 * {@code {"class": k, "probability": p, "probabilities": [...]}} ({@code CLASSIFICATION}).
 *
 * <p><b>Your own translator</b> ({@link DjlModelConfig#withTranslator}): a {@code Translator<I, O>}
 * or {@code TranslatorFactory}. The body becomes one {@code I} (JSON read into {@code I}; the text
 * for {@code String}, the bytes for {@code byte[]}, a DJL {@link Input} with the headers as
 * properties and the body as {@code data} for {@code Input}); the {@code O} is the answer (JSON;
 * text, bytes, a {@link JsonSerializable}'s own JSON, or a DJL {@link Output}'s code, content type
 * and data). Its batchifier decides how a batch becomes one forward pass.
 *
 * <p>{@code GET} on the route answers the replica's {@link DjlModelStats}. Handles call {@link
 * #predict} and {@link #stats}. The user config's {@code maxBatchSize} and {@code maxWaitMillis}
 * change the batching of running replicas without restarting them.
 */
public class DjlModelDeployment implements HttpHandler, Reconfigurable, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DjlModelDeployment.class);

  private final DjlModelConfig config;
  private final String replica;
  private final Class<?> inputType;
  private final Class<?> outputType;
  private final String translatorName;
  private final boolean builtIn;
  private final ZooModel<Object, Object> model;
  private final Predictor<Object, Object> predictor;
  private final Batcher<Object, Outcome> batcher;
  private final Object lock = new Object();
  private final AtomicInteger largestBatch = new AtomicInteger();
  private final AtomicLong failed = new AtomicLong();
  private boolean closed; // guarded by lock

  /**
   * Loads the model and starts the batcher.
   *
   * @param config what to serve and how
   * @throws Exception when the model cannot be loaded (not found, no such engine, a translator or
   *     block factory that cannot be made)
   */
  @SuppressWarnings("unchecked")
  public DjlModelDeployment(DjlModelConfig config) throws Exception {
    this.config = Objects.requireNonNull(config, "config");
    this.replica = ReplicaContext.current().map(ReplicaContext::replicaId).orElse("");
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = DjlModelDeployment.class.getClassLoader();
    }
    Criteria.Builder<Object, Object> b;
    if (config.translator() == null) {
      builtIn = true;
      inputType = Tensor.class;
      outputType = Tensor[].class;
      translatorName = TensorTranslator.class.getName();
      Translator<?, ?> t = new TensorTranslator(config.output() != DjlModelConfig.Output.RAW);
      b =
          Criteria.builder()
              .setTypes((Class<Object>) inputType, (Class<Object>) outputType)
              .optTranslator((Translator<Object, Object>) t);
    } else {
      builtIn = false;
      translatorName = config.translator();
      Class<?> type = load(cl, config.translator(), "translator");
      Object made = instantiate(type, config.arguments(), "translator");
      Class<?>[] types;
      if (made instanceof Translator<?, ?> t) {
        types = translatorTypes(type, config, cl);
        b =
            Criteria.builder()
                .setTypes((Class<Object>) types[0], (Class<Object>) types[1])
                .optTranslator((Translator<Object, Object>) t);
      } else if (made instanceof TranslatorFactory f) {
        types = factoryTypes(f, config, cl);
        b =
            Criteria.builder()
                .setTypes((Class<Object>) types[0], (Class<Object>) types[1])
                .optTranslatorFactory(f);
      } else {
        throw new IllegalArgumentException(
            "translator "
                + type.getName()
                + " is neither a DJL Translator nor a TranslatorFactory");
      }
      inputType = types[0];
      outputType = types[1];
    }
    b = locate(b, config.modelUrl()).optEngine(config.engine());
    if (config.modelName() != null) {
      b = b.optModelName(config.modelName());
    }
    if (config.device() != null) {
      b = b.optDevice(Device.fromName(config.device()));
    }
    Map<String, Object> arguments = new HashMap<>(config.arguments());
    if (config.blockFactory() != null) {
      Class<?> f = load(cl, config.blockFactory(), "blockFactory");
      if (!BlockFactory.class.isAssignableFrom(f)) {
        throw new IllegalArgumentException(
            "blockFactory " + f.getName() + " does not implement " + BlockFactory.class.getName());
      }
      instantiate(f, null, "blockFactory"); // fails here, clearly, rather than inside DJL
      arguments.put("blockFactory", f.getName());
    }
    b = b.optArguments(arguments);
    long start = System.nanoTime();
    this.model = b.build().loadModel();
    try {
      this.predictor = model.newPredictor();
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    LOG.info(
        "loaded model {} ({} engine) from {} in {} ms; translator {}",
        model.getName(),
        config.engine(),
        config.modelUrl(),
        (System.nanoTime() - start) / 1_000_000,
        translatorName);
    this.batcher = new Batcher<>(this::runBatch, config.maxBatchSize(), config.maxWait());
  }

  /**
   * A deployment of this class whose replicas can fill their batches: {@code maxOngoingRequests}
   * twice the largest batch (one batch runs while the next fills). Set the other options on the
   * builder, then {@code build().bind(config)}.
   *
   * @param config the config the replicas get
   * @return the builder
   */
  public static Deployment.Builder<DjlModelDeployment> deployment(DjlModelConfig config) {
    return Deployment.builder(DjlModelDeployment.class)
        .maxOngoingRequests(
            Math.min(
                10_000,
                Math.max(Deployment.DEFAULT_MAX_ONGOING_REQUESTS, 2 * config.maxBatchSize())));
  }

  /**
   * An application of one {@link #deployment} with its defaults, bound to the config.
   *
   * @param config the config
   * @return the application
   */
  public static Application application(DjlModelConfig config) {
    return deployment(config).build().bind(config);
  }

  /**
   * Answers a request: {@code POST} predicts (see the class's description for the formats), {@code
   * GET} answers the {@link DjlModelStats}.
   *
   * @param request the request
   * @return the pending answer
   */
  @Override
  public Object handle(HttpRequest request) {
    switch (request.method()) {
      case "GET" -> {
        return stats();
      }
      case "POST", "PUT" -> {
        return builtIn ? predictJson(request) : predictOne(decode(request));
      }
      default -> {
        return HttpResponse.json(
            405,
            Map.of(
                "error",
                request.method() + " is not allowed: POST to predict, GET for the model's stats",
                "requestId",
                request.requestId()));
      }
    }
  }

  /**
   * Predicts one input through the batcher, for calls through a {@link
   * dev.prism.serve.DeploymentHandle}: a {@link Tensor} with the built-in translator, else the
   * translator's input type (a map or other value is converted to it as JSON would be).
   *
   * @param input the input
   * @return the translator's output ({@code Tensor[]} with the built-in translator)
   * @throws Exception when the prediction fails
   */
  public Object predict(Object input) throws Exception {
    Object in = input;
    if (in != null && !inputType.isInstance(in)) {
      try {
        in = Json.MAPPER.convertValue(in, inputType);
      } catch (IllegalArgumentException e) {
        throw new BadRequestException(
            "cannot take a " + in.getClass().getName() + " as " + inputType.getName(), e);
      }
    }
    try {
      return unwrap(batcher.submit(in).get());
    } catch (ExecutionException e) {
      throw rethrowable(e.getCause());
    }
  }

  /**
   * This replica's model and batching so far.
   *
   * @return the stats
   */
  public DjlModelStats stats() {
    long batches = batcher.batches();
    long items = batcher.items();
    return new DjlModelStats(
        model.getName(),
        config.engine(),
        translatorName,
        inputType.getName(),
        outputType.getName(),
        replica,
        batcher.maxBatchSize(),
        batcher.maxWait().toMillis(),
        batches,
        items,
        largestBatch.get(),
        batches == 0 ? 0 : (double) items / batches,
        failed.get());
  }

  /**
   * Applies the user config: {@code maxBatchSize} (1 or more) and {@code maxWaitMillis} (0 or
   * more); a key left out returns to the constructor's config. Other keys are ignored.
   *
   * @param userConfig the user config
   * @throws IllegalArgumentException for a value out of range or not a number
   */
  @Override
  public void reconfigure(Map<String, Object> userConfig) {
    int size = (int) number(userConfig, "maxBatchSize", config.maxBatchSize());
    long wait = number(userConfig, "maxWaitMillis", config.maxWaitMillis());
    if (size < 1 || wait < 0) {
      throw new IllegalArgumentException(
          "maxBatchSize " + size + " must be >= 1 and maxWaitMillis " + wait + " >= 0");
    }
    batcher.setMaxBatchSize(size);
    batcher.setMaxWait(Duration.ofMillis(wait));
  }

  /** Stops the batcher (queued requests fail), then closes the predictor and the model. */
  @Override
  public void close() {
    batcher.close();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      predictor.close();
      model.close();
    }
  }

  // ---------------------------------------------------------------- batching

  private List<Outcome> runBatch(List<Object> inputs) {
    synchronized (lock) {
      if (closed) {
        throw new ServeException("the model is closed");
      }
      largestBatch.accumulateAndGet(inputs.size(), Math::max);
      try {
        List<Object> outputs = predictor.batchPredict(inputs);
        List<Outcome> out = new ArrayList<>(outputs.size());
        for (Object o : outputs) {
          out.add(new Outcome(o, null));
        }
        return out;
      } catch (Exception e) {
        if (inputs.size() == 1) {
          failed.incrementAndGet();
          return List.of(new Outcome(null, e));
        }
        // One bad instance (a wrong shape, say) must not fail the others batched with it.
        List<Outcome> out = new ArrayList<>(inputs.size());
        for (Object in : inputs) {
          try {
            out.add(new Outcome(predictor.predict(in), null));
          } catch (Exception one) {
            failed.incrementAndGet();
            out.add(new Outcome(null, one));
          }
        }
        return out;
      }
    }
  }

  private record Outcome(Object value, Exception error) {}

  private static Object unwrap(Outcome o) throws Exception {
    if (o.error() != null) {
      throw rethrowable(o.error());
    }
    return o.value();
  }

  private static Exception rethrowable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BadRequestException bad) {
        return bad;
      }
    }
    if (t instanceof Exception e) {
      return e;
    }
    return new ServeException("prediction failed: " + t, t);
  }

  // ---------------------------------------------------------------- your translator

  private Object predictOne(Object input) {
    return batcher.submit(input).thenApply(o -> encode(unwrapUnchecked(o)));
  }

  private static Object unwrapUnchecked(Outcome o) {
    if (o.error() != null) {
      Exception e = rethrowable(o.error());
      throw e instanceof RuntimeException r ? r : new ServeException(e.getMessage(), e);
    }
    return o.value();
  }

  private Object decode(HttpRequest r) {
    if (inputType == byte[].class) {
      return r.body();
    }
    if (inputType == String.class) {
      String ct = Objects.requireNonNullElse(r.header("content-type"), "");
      String text = r.text();
      return ct.contains("json") && text.strip().startsWith("\"") ? r.json(String.class) : text;
    }
    if (inputType == Input.class) {
      Input in = new Input();
      r.headers().forEach(in::addProperty);
      in.addProperty("X-Request-Id", r.requestId());
      in.add("data", r.body());
      return in;
    }
    return r.json(inputType);
  }

  private static Object encode(Object o) {
    if (o instanceof Output out) {
      BytesSupplier data = out.getData();
      byte[] body = data == null ? new byte[0] : data.getAsBytes();
      String ct = out.getProperty("Content-Type", null);
      if (ct == null) {
        ct = out.getProperty("content-type", "application/octet-stream");
      }
      return HttpResponse.of(out.getCode(), ct, body);
    }
    if (o instanceof JsonSerializable j) {
      return HttpResponse.of(200, "application/json", j.toJson().getBytes(StandardCharsets.UTF_8));
    }
    return o;
  }

  // ---------------------------------------------------------------- the built-in format

  private Object predictJson(HttpRequest r) {
    JsonNode body = r.json();
    if (body.isArray()) {
      return batcher.submit(tensor(body, -1)).thenApply(o -> answer(unwrapUnchecked(o)));
    }
    String in = body.has("inputs") ? "inputs" : body.has("instances") ? "instances" : null;
    if (in == null || !body.get(in).isArray()) {
      throw new BadRequestException(
          "expected {\"inputs\": [instance, ...]}, {\"instances\": [instance, ...]} or one"
              + " instance as a JSON array of numbers");
    }
    JsonNode instances = body.get(in);
    List<Tensor> tensors = new ArrayList<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      tensors.add(tensor(instances.get(i), i));
    }
    List<CompletableFuture<Outcome>> pending = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      pending.add(batcher.submit(t));
    }
    String out = in.equals("inputs") ? "outputs" : "predictions";
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
        .handle(
            (ignored, error) -> {
              List<Object> answers = new ArrayList<>(pending.size());
              for (int i = 0; i < pending.size(); i++) {
                try {
                  answers.add(answer(unwrapUnchecked(pending.get(i).join())));
                } catch (RuntimeException e) {
                  Throwable cause =
                      e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                  if (cause instanceof BadRequestException bad) {
                    throw new BadRequestException("instance " + i + ": " + bad.getMessage(), bad);
                  }
                  throw new ServeException("instance " + i + ": " + cause.getMessage(), cause);
                }
              }
              Map<String, Object> m = new LinkedHashMap<>();
              m.put(out, answers);
              return m;
            });
  }

  private Object answer(Object value) {
    Tensor[] outputs = (Tensor[]) value;
    if (config.output() == DjlModelConfig.Output.CLASSIFICATION) {
      float[] p = outputs[0].values();
      int best = 0;
      for (int k = 1; k < p.length; k++) {
        if (p[k] > p[best]) {
          best = k;
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class", best);
      m.put("probability", p.length == 0 ? 0f : p[best]);
      m.put("probabilities", p);
      return m;
    }
    if (outputs.length == 1) {
      return outputs[0].toNested();
    }
    List<Object> all = new ArrayList<>(outputs.length);
    for (Tensor t : outputs) {
      all.add(t.toNested());
    }
    return all;
  }

  private Tensor tensor(JsonNode n, int index) {
    String which = index < 0 ? "the instance" : "instance " + index;
    List<Long> shape = new ArrayList<>();
    JsonNode cur = n;
    while (cur.isArray()) {
      shape.add((long) cur.size());
      if (cur.isEmpty()) {
        break;
      }
      cur = cur.get(0);
    }
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    if (count > 100_000_000L) {
      throw new BadRequestException(which + " has " + count + " numbers, too many");
    }
    float[] values = new float[(int) count];
    fill(n, shape, 0, values, new int[1], which);
    List<Long> want = config.inputShape();
    if (!want.isEmpty()) {
      long expected = 1;
      for (long d : want) {
        expected *= d;
      }
      if (expected != count) {
        throw new BadRequestException(
            which
                + " has "
                + count
                + " numbers; this model takes shape "
                + want
                + " ("
                + expected
                + " numbers)");
      }
      shape = want;
    }
    long[] s = new long[shape.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape.get(i);
    }
    return new Tensor(values, s);
  }

  private static void fill(
      JsonNode n, List<Long> shape, int depth, float[] values, int[] at, String which) {
    if (depth == shape.size()) {
      if (!n.isNumber()) {
        throw new BadRequestException(
            which
                + " holds "
                + n.getNodeType().toString().toLowerCase(Locale.ROOT)
                + " where a number was expected");
      }
      values[at[0]++] = n.floatValue();
      return;
    }
    if (!n.isArray() || n.size() != shape.get(depth)) {
      throw new BadRequestException(
          which
              + " is not a rectangular array of numbers (shape "
              + shape
              + " from its first"
              + " elements)");
    }
    for (JsonNode e : n) {
      fill(e, shape, depth + 1, values, at, which);
    }
  }

  // ---------------------------------------------------------------- loading

  private static Criteria.Builder<Object, Object> locate(
      Criteria.Builder<Object, Object> b, String url) {
    if (url.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
      return b.optModelUrls(url);
    }
    Path p = Path.of(url).toAbsolutePath();
    if (!Files.exists(p)) {
      throw new ServeException(
          "the model path "
              + p
              + " does not exist on this node; a replica loads its model where it runs: give a"
              + " path every node has, or a URL");
    }
    return b.optModelPath(p);
  }

  private static Class<?> load(ClassLoader cl, String name, String what) {
    try {
      return Class.forName(name, true, cl);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalArgumentException(what + " class " + name + " cannot be loaded: " + e, e);
    }
  }

  private static Object instantiate(Class<?> type, Map<String, Object> arguments, String what)
      throws Exception {
    if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers())) {
      throw new IllegalArgumentException(what + " " + type.getName() + " must be a public class");
    }
    try {
      if (arguments != null) {
        for (Constructor<?> c : type.getConstructors()) {
          if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == Map.class) {
            return c.newInstance(arguments);
          }
        }
      }
      return type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          what
              + " "
              + type.getName()
              + " needs a public constructor without arguments"
              + (arguments != null ? " or taking the arguments map" : ""),
          e);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private static Class<?>[] translatorTypes(Class<?> type, DjlModelConfig c, ClassLoader cl) {
    Type[] found = typeArguments(type, Map.of());
    Class<?> in = c.inputType() != null ? load(cl, c.inputType(), "inputType") : raw(found, 0);
    Class<?> out = c.outputType() != null ? load(cl, c.outputType(), "outputType") : raw(found, 1);
    if (in == null || out == null) {
      throw new IllegalArgumentException(
          "the input and output types of translator "
              + type.getName()
              + " cannot be read from its type arguments; give them with"
              + " DjlModelConfig.withTypes(input, output)");
    }
    return new Class<?>[] {in, out};
  }

  private static Class<?>[] factoryTypes(TranslatorFactory f, DjlModelConfig c, ClassLoader cl) {
    if (c.inputType() != null && c.outputType() != null) {
      return new Class<?>[] {
        load(cl, c.inputType(), "inputType"), load(cl, c.outputType(), "outputType")
      };
    }
    Set<Pair<Type, Type>> pairs = f.getSupportedTypes();
    if (pairs.size() == 1) {
      Pair<Type, Type> p = pairs.iterator().next();
      Class<?> in = raw(new Type[] {p.getKey(), p.getValue()}, 0);
      Class<?> out = raw(new Type[] {p.getKey(), p.getValue()}, 1);
      if (in != null && out != null) {
        return new Class<?>[] {in, out};
      }
    }
    throw new IllegalArgumentException(
        "translator factory "
            + f.getClass().getName()
            + " supports "
            + pairs.size()
            + " input and output types; choose one with DjlModelConfig.withTypes(input, output)");
  }

  /** The actual type arguments of {@code Translator<I, O>} as {@code type} implements it. */
  private static Type[] typeArguments(Type type, Map<TypeVariable<?>, Type> env) {
    Class<?> raw;
    Map<TypeVariable<?>, Type> here = new HashMap<>();
    if (type instanceof ParameterizedType p) {
      raw = (Class<?>) p.getRawType();
      TypeVariable<?>[] vars = raw.getTypeParameters();
      Type[] args = p.getActualTypeArguments();
      for (int i = 0; i < vars.length; i++) {
        here.put(vars[i], args[i] instanceof TypeVariable<?> v ? env.getOrDefault(v, v) : args[i]);
      }
    } else if (type instanceof Class<?> c) {
      raw = c;
    } else {
      return null;
    }
    if (raw == Translator.class) {
      TypeVariable<?>[] vars = raw.getTypeParameters();
      return new Type[] {here.get(vars[0]), here.get(vars[1])};
    }
    List<Type> supers = new ArrayList<>(List.of(raw.getGenericInterfaces()));
    if (raw.getGenericSuperclass() != null) {
      supers.add(raw.getGenericSuperclass());
    }
    for (Type s : supers) {
      Type[] r = typeArguments(s, here);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  private static Class<?> raw(Type[] types, int i) {
    if (types == null || types[i] == null) {
      return null;
    }
    Type t = types[i];
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (t instanceof GenericArrayType g
        && raw(new Type[] {g.getGenericComponentType()}, 0) != null) {
      return raw(new Type[] {g.getGenericComponentType()}, 0).arrayType();
    }
    return null;
  }

  private static long number(Map<String, Object> m, String key, long dflt) {
    Object v = m.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException("user config " + key + " = " + v + " is not a whole number");
  }
}
