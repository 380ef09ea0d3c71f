package dev.prism.serve.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.serve.BadRequestException;
import dev.prism.serve.HttpRequest;
import dev.prism.serve.ServeException;
import dev.prism.serve.internal.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The DJL deployment in this JVM, without a cluster: formats, batching, errors, user config. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DjlModelDeploymentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final float[][] X = {
    {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0.5f, -1, 2, 3}, {3, 2, 1, 0}, {-1, -1, -1, -1}
  };

  @TempDir static Path dir;
  static float[][] expected;

  @BeforeAll
  static void saveModel() throws Exception {
    expected = TinyModel.save(dir, X);
  }

  static DjlModelConfig tiny() {
    return DjlModelConfig.of(dir.toString())
        .withModelName(TinyModel.NAME)
        .withBlockFactory(TinyModel.class);
  }

  static HttpRequest post(String body) {
    return new HttpRequest(
        "r1",
        "POST",
        "/",
        "/m",
        Map.of(),
        Map.of("content-type", "application/json"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  static JsonNode answer(Object r) throws Exception {
    Object v =
        r instanceof CompletionStage<?> s ? s.toCompletableFuture().get(60, TimeUnit.SECONDS) : r;
    return JSON.valueToTree(v);
  }

  static void assertClose(JsonNode got, float[] want) {
    assertThat(got.size()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      assertThat(got.get(i).floatValue()).isCloseTo(want[i], within(1e-4f));
    }
  }

  @Test
  void theBuiltInFormatAnswersEveryInstanceOfARequestAndBareArrays() throws Exception {
    try (DjlModelDeployment d = new DjlModelDeployment(tiny().withInputShape(4))) {
      JsonNode r = answer(d.handle(post(JSON.writeValueAsString(Map.of("inputs", X)))));
      assertThat(r.get("outputs").size()).isEqualTo(X.length);
      for (int i = 0; i < X.length; i++) {
        assertClose(r.get("outputs").get(i), expected[i]);
      }
      JsonNode bare = answer(d.handle(post("[0.5, -1, 2, 3]")));
      assertClose(bare, expected[3]);
      JsonNode tf = answer(d.handle(post("{\"instances\": [[[1, 0], [0, 0]]]}")));
      assertClose(tf.get("predictions").get(0), expected[0]); // reshaped to [4]
      assertThat(d.stats().instances()).isEqualTo(X.length + 2);
      assertThat(d.stats().model()).isEqualTo("tiny");
    }
  }

  @Test
  void classificationAnswersTheArgMaxAndTheSoftmax() throws Exception {
    try (DjlModelDeployment d =
        new DjlModelDeployment(tiny().withOutput(DjlModelConfig.Output.CLASSIFICATION))) {
      JsonNode r = answer(d.handle(post("[3, 2, 1, 0]")));
      float[] logits = expected[4];
      int best = 0;
      double sum = 0;
      for (int k = 0; k < 3; k++) {
        best = logits[k] > logits[best] ? k : best;
        sum += Math.exp(logits[k]);
      }
      assertThat(r.get("class").asInt()).isEqualTo(best);
      assertThat(r.get("probability").floatValue())
          .isCloseTo((float) (Math.exp(logits[best]) / sum), within(1e-4f));
      double total = 0;
      for (JsonNode p : r.get("probabilities")) {
        total += p.doubleValue();
      }
      assertThat(total).isCloseTo(1.0, within(1e-4));
    }
  }

  @Test
  void badInputIsRefusedWith400AndFailsAloneInItsBatch() throws Exception {
    try (DjlModelDeployment strict = new DjlModelDeployment(tiny().withInputShape(4))) {
      assertThatThrownBy(() -> strict.handle(post("[1, 2, 3]")))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("3 numbers")
          .hasMessageContaining("[4]");
      assertThatThrownBy(() -> strict.handle(post("{\"x\": 1}")))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("\"inputs\"");
      assertThatThrownBy(() -> strict.handle(post("{\"inputs\": [[1, 2, 3, 4], [3]]}")))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("instance 1");
      assertThatThrownBy(() -> strict.handle(post("[1, \"a\", 3, 4]")))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("string");
    }
    // Without a shape the model itself meets the bad instance: its batch fails, and is predicted
    // one by one so that only the bad one fails.
    try (DjlModelDeployment d =
            new DjlModelDeployment(tiny().withBatching(8, Duration.ofMillis(300)));
        ExecutorService pool = Executors.newFixedThreadPool(3)) {
      List<CompletableFuture<Object>> all = new ArrayList<>();
      all.add(CompletableFuture.supplyAsync(() -> call(d, Tensor.of(X[0])), pool));
      all.add(CompletableFuture.supplyAsync(() -> call(d, Tensor.of(1, 2, 3)), pool));
      all.add(CompletableFuture.supplyAsync(() -> call(d, Tensor.of(X[1])), pool));
      Tensor[] first = (Tensor[]) all.get(0).get(60, TimeUnit.SECONDS);
      assertThat(first[0].values()).containsExactly(expected[0], within(1e-4f));
      assertThat(((Tensor[]) all.get(2).get(60, TimeUnit.SECONDS))[0].values())
          .containsExactly(expected[1], within(1e-4f));
      assertThatThrownBy(() -> all.get(1).get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      assertThat(d.stats().failedInstances()).isEqualTo(1);
      assertThat(d.stats().largestBatch()).isGreaterThan(1);
    }
  }

  static Object call(DjlModelDeployment d, Object in) {
    try {
      return d.predict(in);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void concurrentRequestsAreBatchedAndTheUserConfigChangesTheBatching() throws Exception {
    try (DjlModelDeployment d =
            new DjlModelDeployment(tiny().withBatching(16, Duration.ofMillis(200)));
        ExecutorService pool = Executors.newFixedThreadPool(12)) {
      List<Future<Object>> f = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        float[] x = X[i % X.length];
        f.add(pool.submit(() -> d.predict(Tensor.of(x))));
      }
      for (int i = 0; i < f.size(); i++) {
        assertThat(((Tensor[]) f.get(i).get(60, TimeUnit.SECONDS))[0].values())
            .containsExactly(expected[i % X.length], within(1e-4f));
      }
      DjlModelStats s = d.stats();
      assertThat(s.largestBatch()).isGreaterThan(1);
      assertThat(s.batches()).isLessThan(12);
      assertThat(s.meanBatchSize()).isGreaterThan(1.0);

      d.reconfigure(Map.of("maxBatchSize", 1, "maxWaitMillis", 0));
      assertThat(d.stats().maxBatchSize()).isEqualTo(1);
      assertThat(d.stats().maxWaitMillis()).isZero();
      long before = d.stats().batches();
      List<Future<Object>> g = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        float[] x = X[i];
        g.add(pool.submit(() -> d.predict(Tensor.of(x))));
      }
      for (Future<Object> x : g) {
        x.get(60, TimeUnit.SECONDS);
      }
      assertThat(d.stats().batches() - before).isEqualTo(6);

      d.reconfigure(Map.of()); // back to the config's values
      assertThat(d.stats().maxBatchSize()).isEqualTo(16);
      assertThatThrownBy(() -> d.reconfigure(Map.of("maxBatchSize", 0)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> d.reconfigure(Map.of("maxWaitMillis", "soon")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxWaitMillis");
      assertThat(d.stats().maxBatchSize()).isEqualTo(16);
    }
  }

  @Test
  void aTranslatorOfYourOwnReadsAndWritesItsOwnTypes() throws Exception {
    try (DjlModelDeployment d =
        new DjlModelDeployment(tiny().withTranslator(ScoreTranslator.class))) {
      JsonNode r = answer(d.handle(post("{\"x\": [0.5, -1, 2, 3]}")));
      assertClose(r.get("scores"), expected[3]);
      assertThat(d.stats().inputType()).isEqualTo(ScoreTranslator.Features.class.getName());
      // Through a handle a map converts to the input type.
      Object viaMap = d.predict(Map.of("x", List.of(1, 0, 0, 0)));
      assertThat(((ScoreTranslator.Score) viaMap).scores())
          .containsExactly(expected[0], within(1e-4f));
      // The translator's own BadRequestException reaches the caller (400 over HTTP).
      assertThatThrownBy(() -> answer(d.handle(post("{\"x\": [1]}"))))
          .hasRootCauseInstanceOf(BadRequestException.class)
          .rootCause()
          .hasMessageContaining("4 numbers");
      assertThat(answer(d.handle(get())).get("batches").asLong()).isGreaterThan(0);
    }
  }

  static HttpRequest get() {
    return new HttpRequest("r2", "GET", "/", "/m", Map.of(), Map.of(), new byte[0]);
  }

  /** A translator whose types only its user knows. */
  public static class Generic<T> implements Translator<T, T> {
    /** Made by the deployment. */
    public Generic() {}

    @Override
    public NDList processInput(TranslatorContext ctx, T input) {
      throw new UnsupportedOperationException();
    }

    @Override
    public T processOutput(TranslatorContext ctx, NDList list) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void loadingProblemsAreExplained() {
    assertThatThrownBy(() -> new DjlModelDeployment(tiny().withTranslator(Generic.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withTypes");
    assertThatThrownBy(() -> new DjlModelDeployment(tiny().withTranslator("no.such.Translator")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no.such.Translator");
    assertThatThrownBy(
            () -> new DjlModelDeployment(tiny().withBlockFactory(String.class.getName())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BlockFactory");
    assertThatThrownBy(
            () -> new DjlModelDeployment(DjlModelConfig.of(dir.resolve("nope").toString())))
        .isInstanceOf(ServeException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> DjlModelConfig.of(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tiny().withBatching(0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theConfigSurvivesTheControllersJson() throws Exception {
    DjlModelConfig c =
        tiny()
            .withInputShape(2, 2)
            .withOutput(DjlModelConfig.Output.SOFTMAX)
            .withDevice("cpu")
            .withArgument("hidden", 128)
            .withBatching(7, Duration.ofMillis(3));
    DjlModelConfig back =
        Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(c), DjlModelConfig.class);
    assertThat(back).isEqualTo(c);
    assertThat(DjlModelDeployment.deployment(c).build().maxOngoingRequests()).isEqualTo(14);
  }
}
