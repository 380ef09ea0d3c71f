package dev.prism.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.Prism;
import dev.prism.serve.BadRequestException;
import dev.prism.serve.Serve;
import dev.prism.serve.ServeConfig;
import dev.prism.serve.djl.DjlModelConfig;
import dev.prism.serve.djl.DjlModelDeployment;
import dev.prism.train.CheckpointConfig;
import dev.prism.train.DataParallelTrainer;
import dev.prism.train.Dataset;
import dev.prism.train.Result;
import dev.prism.train.RunConfig;
import dev.prism.train.ScalingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Serves the handwritten digits classifier over HTTP, as a Ray user serves a PyTorch model with Ray
 * Serve: trains it briefly (one ml-train worker in this process) or loads a saved one, saves it to
 * a directory, deploys it with ml-serve's {@link DjlModelDeployment} behind {@code POST /digits},
 * sends a few held-out digits, then 100 at once as concurrent HTTP requests (which the replica
 * answers in dynamic batches), and prints the accuracy and the batches formed. Then it keeps
 * serving until stopped, or returns with {@code --exit}: {@code ./prism serve-digits [--epochs N]
 * [--model DIR] [--requests N] [--port N] [--storage DIR] [--exit]}.
 *
 * <pre>{@code
 * curl -d '{"pixels": [0,0,5,13,9,1,0,0, ... 64 values 0..16]}' http://127.0.0.1:8000/digits
 * {"digit":0,"probabilities":[0.998,...]}
 * }</pre>
 */
public final class ServeDigits {
  /** The hidden layer's width, as {@link TrainDigits} trains it. */
  static final int HIDDEN = 128;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeDigits() {}

  /**
   * The example's settings.
   *
   * @param epochs epochs to train when no model is given
   * @param model a saved model's directory (a {@code digits-NNNN.params} file), or null to train
   * @param requests held-out digits to send at once
   * @param port the HTTP port, 0 for any free one
   * @param storage where the training run and the saved model go
   * @param exit whether to return after the check instead of serving on
   */
  record Options(int epochs, Path model, int requests, int port, Path storage, boolean exit) {
    static Options parse(String[] args) {
      int epochs = 15;
      Path model = null;
      int requests = 100;
      int port = 8000;
      Path storage = Path.of("target", "prism_results");
      boolean exit = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--exit")) {
          exit = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--epochs" -> epochs = Integer.parseInt(v);
          case "--model" -> model = Path.of(v);
          case "--requests" -> requests = Integer.parseInt(v);
          case "--port" -> port = Integer.parseInt(v);
          case "--storage" -> storage = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      return new Options(epochs, model, requests, port, storage, exit);
    }
  }

  /**
   * What the check found.
   *
   * @param accuracy the share of the held-out digits answered right over HTTP
   * @param requests how many were sent
   * @param wall how long they took, all in flight at once
   * @param batches the replica's batches so far
   * @param largestBatch its largest batch
   * @param meanBatchSize its instances per batch
   * @param modelDir the served model's directory
   * @param url the endpoint
   */
  record Outcome(
      double accuracy,
      int requests,
      Duration wall,
      long batches,
      int largestBatch,
      double meanBatchSize,
      Path modelDir,
      String url) {}

  /**
   * Runs the example.
   *
   * @param args {@code --epochs N}, {@code --model DIR}, {@code --requests N}, {@code --port N},
   *     {@code --storage DIR}, {@code --exit}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    run(args);
  }

  /**
   * Starts Prism, runs the example, serves on unless {@code --exit}, shuts down.
   *
   * @param args the command line
   * @return what the check found
   * @throws Exception on failure
   */
  static Outcome run(String[] args) throws Exception {
    Options o = Options.parse(args);
    Prism.init();
    try {
      Outcome r = serve(o);
      if (!o.exit()) {
        System.out.println("serving " + r.url() + " until stopped (Ctrl-C)");
        new CountDownLatch(1).await();
      }
      return r;
    } finally {
      try {
        Serve.shutdown();
      } finally {
        Prism.shutdown();
      }
    }
  }

  /**
   * Trains or loads the model, deploys it, checks it over HTTP.
   *
   * @param o the settings
   * @return what the check found
   * @throws Exception on failure
   */
  static Outcome serve(Options o) throws Exception {
    Digits.Rows rows = Digits.rows();
    Path modelDir = o.model() != null ? o.model().toAbsolutePath() : train(o, rows);

    DjlModelConfig config =
        DjlModelConfig.of(modelDir.toString())
            .withModelName("digits")
            .withBlockFactory(Network.class)
            .withArgument("hidden", HIDDEN)
            .withTranslator(DigitsTranslator.class)
            .withBatching(16, Duration.ofMillis(20));
    Serve.start(ServeConfig.defaults().withPort(o.port()));
    long t0 = System.nanoTime();
    Serve.run(DjlModelDeployment.application(config), "digits", "/digits");
    String url = Serve.httpUrl() + "/digits";
    System.out.printf(
        "deployed %s at %s in %.1f s%n", modelDir, url, (System.nanoTime() - t0) / 1e9);

    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    for (int i = 0; i < 3; i++) {
      JsonNode a = JSON.readTree(send(http, url, rows.testX()[i]).get(60, TimeUnit.SECONDS).body());
      System.out.printf(
          "held-out digit %d: answered %d (p = %.3f)%n",
          rows.testY()[i],
          a.get("digit").asInt(),
          a.get("probabilities").get(a.get("digit").asInt()).asDouble());
    }

    int n = Math.min(o.requests(), rows.testY().length);
    long t1 = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      sent.add(send(http, url, rows.testX()[i]));
    }
    int right = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = sent.get(i).get(120, TimeUnit.SECONDS);
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "POST /digits answered " + r.statusCode() + ": " + r.body());
      }
      right += JSON.readTree(r.body()).get("digit").asInt() == rows.testY()[i] ? 1 : 0;
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - t1);
    JsonNode stats =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    Outcome out =
        new Outcome(
            (double) right / n,
            n,
            wall,
            stats.get("batches").asLong(),
            stats.get("largestBatch").asInt(),
            stats.get("meanBatchSize").asDouble(),
            modelDir,
            url);
    System.out.printf(
        "accuracy over HTTP %.4f (%d of %d held-out digits, sent at once, answered in %d ms);"
            + " the replica ran %d batches, %.1f digits each on average, the largest %d%n",
        out.accuracy(),
        right,
        n,
        wall.toMillis(),
        out.batches(),
        out.meanBatchSize(),
        out.largestBatch());
    return out;
  }

  private static CompletableFuture<HttpResponse<String>> send(
      HttpClient http, String url, float[] features) {
    float[] pixels = new float[features.length];
    for (int k = 0; k < pixels.length; k++) {
      pixels[k] = features[k] * 16f; // back to the data set's 0..16 intensities
    }
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("pixels", pixels));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Trains the classifier with ml-train (one worker, in this process: no worker JVM to start) and
   * saves the best checkpoint's parameters in a model directory.
   */
  private static Path train(Options o, Digits.Rows rows) throws IOException {
    String name = "serve-digits-" + System.currentTimeMillis();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("epochs", o.epochs());
    config.put("batch", 32);
    config.put("lr", 0.003);
    config.put("hidden", HIDDEN);
    config.put("checkpointEvery", o.epochs());
    long t0 = System.nanoTime();
    Result r =
        DataParallelTrainer.builder(Digits::train)
            .scalingConfig(ScalingConfig.builder().numWorkers(1).build())
            .runInThisProcess(true)
            .runConfig(
                RunConfig.builder(name)
                    .storagePath(o.storage().toAbsolutePath())
                    .checkpointConfig(CheckpointConfig.keepLatest(1))
                    .build())
            .dataset("train", Dataset.fromArrays(rows.trainX(), rows.trainY()))
            .dataset("test", Dataset.fromArrays(rows.testX(), rows.testY()))
            .config(config)
            .progress(false)
            .build()
            .fit();
    if (r.error().isPresent()) {
      throw new IllegalStateException("training failed", r.error().get());
    }
    Path checkpoint = r.bestCheckpoints().getFirst().path();
    Path model = r.path().resolve("model").toAbsolutePath();
    Files.createDirectories(model);
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".params")).toList()) {
        Files.copy(p, model.resolve(p.getFileName()));
      }
    }
    System.out.printf(
        "trained %d epochs in %.1f s: test accuracy %.4f; model saved in %s%n",
        o.epochs(),
        (System.nanoTime() - t0) / 1e9,
        ((Number) r.metrics().get("accuracy")).doubleValue(),
        model);
    return model;
  }

  /**
   * Builds the network for DJL, which then loads the saved parameters into it (a model saved with
   * {@code Model.save} holds parameters only). Argument {@code hidden}: the hidden layer's width.
   */
  public static final class Network implements BlockFactory {
    private static final long serialVersionUID = 1L;

    /** Made by DJL. */
    public Network() {}

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
      Object hidden = arguments.get("hidden");
      return Digits.network(hidden == null ? HIDDEN : Integer.parseInt(hidden.toString()));
    }
  }

  /**
   * The endpoint's JSON: {@code {"pixels": [64 numbers]}}, the 8×8 image row by row as the data set
   * has it (intensities 0..16), in; {@code {"digit": k, "probabilities": [10 numbers]}} out. DJL
   * stacks a batch of inputs into one forward pass (the default batchifier).
   */
  public static final class DigitsTranslator
      implements Translator<DigitsTranslator.Pixels, DigitsTranslator.Prediction> {

    /**
     * A request.
     *
     * @param pixels 64 intensities 0..16
     */
    public record Pixels(float[] pixels) {}

    /**
     * An answer.
     *
     * @param digit the most likely digit
     * @param probabilities the probability of each digit, 0 to 9
     */
    public record Prediction(int digit, float[] probabilities) {}

    /** Made by the deployment. */
    public DigitsTranslator() {}

    @Override
    public NDList processInput(TranslatorContext ctx, Pixels input) {
      float[] p = input.pixels();
      if (p == null || p.length != 64) {
        throw new BadRequestException(
            "pixels must hold 64 numbers (8x8, row by row), not "
                + (p == null ? "none" : p.length));
      }
      float[] x = new float[64];
      for (int i = 0; i < 64; i++) {
        if (!(p[i] >= 0 && p[i] <= 16)) {
          throw new BadRequestException("pixel " + i + " is " + p[i] + "; intensities are 0..16");
        }
        x[i] = p[i] / 16f; // as the model was trained
      }
      return new NDList(ctx.getNDManager().create(x));
    }

    @Override
    public Prediction processOutput(TranslatorContext ctx, NDList list) {
      NDArray probabilities = list.singletonOrThrow().softmax(-1);
      return new Prediction((int) probabilities.argMax().getLong(), probabilities.toFloatArray());
    }
  }
}
