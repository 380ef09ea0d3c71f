package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.Prism;
import dev.prism.serve.internal.ServeClient;
import dev.prism.serve.internal.ServeController;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Faults under load, over real HTTP: a replica killed with SIGKILL, a rolling update, the
 * controller killed and restarted from its checkpoint.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeFaultTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    ServeFixture.start();
    Serve.run(
        Deployment.builder(Echo.class)
            .numReplicas(2)
            .resource("CPU", 0.5)
            .gracefulShutdownTimeout(Duration.ofSeconds(10))
            .build()
            .bind("v1"),
        "app",
        "/app");
  }

  @AfterAll
  static void stop() {
    ServeFixture.stop();
  }

  /** Sends requests from {@code clients} threads until stopped, counting statuses. */
  private static final class Load implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final Set<String> greetings = ConcurrentHashMap.newKeySet();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    Load(int clients) {
      for (int i = 0; i < clients; i++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (running.get()) {
                        try {
                          HttpResponse<String> r = ServeFixture.get("/app/sleep?ms=20");
                          statuses
                              .computeIfAbsent(r.statusCode(), k -> new AtomicInteger())
                              .incrementAndGet();
                          if (r.statusCode() == 200) {
                            greetings.add(JSON.readTree(r.body()).get("greeting").asText());
                          } else {
                            failures.add(r.statusCode() + " " + r.body());
                          }
                        } catch (Exception e) {
                          failures.add(e.toString());
                        }
                      }
                    }));
      }
    }

    int ok() {
      AtomicInteger n = statuses.get(200);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(Duration.ofSeconds(60));
      }
    }
  }

  @Test
  @Order(1)
  void aReplicaKilledUnderLoadIsReplacedAndRequestsGoOn() throws Exception {
    DeploymentHandle<Echo> h = Serve.getAppHandle("app");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 50 && seen.size() < 2; i++) {
      seen.add(h.call(Echo::whoami).result(Duration.ofSeconds(60)));
    }
    assertThat(seen).hasSize(2);
    String victim = seen.iterator().next();
    long pid = Long.parseLong(victim.substring(victim.indexOf(':') + 1));
    try (Load load = new Load(4)) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 20);
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      int before = load.ok();
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> load.ok() > before + 50);
    } finally {
      // close() joined the clients
    }
    Awaitility.await("the killed replica is replaced")
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                Serve.status().applications().get("app").deployments().get("Echo").running() == 2);
    String replaced = victim.substring(0, victim.indexOf(':'));
    assertThat(Serve.status().applications().get("app").deployments().get("Echo").replicas())
        .noneMatch(r -> r.id().equals(replaced));
  }

  @Test
  @Order(2)
  void aReplicaKilledUnderLoadLosesOnlyItsInFlightRequests() throws Exception {
    DeploymentHandle<Echo> h = Serve.getAppHandle("app");
    String victim = h.call(Echo::whoami).result(Duration.ofSeconds(60));
    long pid = Long.parseLong(victim.substring(victim.indexOf(':') + 1));
    Load load = new Load(4);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 20);
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    int before = load.ok();
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> load.ok() > before + 50);
    load.close();
    // Requests on the killed replica are retried on the other: at most those in flight fail,
    // and each failure is a clear 5xx, never a hang or a dropped connection.
    assertThat(load.failures).hasSizeLessThanOrEqualTo(4).allMatch(f -> f.startsWith("5"));
  }

  @Test
  @Order(3)
  void aRollingUpdateUnderLoadFailsNoRequest() throws Exception {
    Awaitility.await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                Serve.status().applications().get("app").deployments().get("Echo").running() == 2);
    Set<String> before =
        Set.copyOf(
            Serve.status().applications().get("app").deployments().get("Echo").replicas().stream()
                .map(ServeStatus.Replica::id)
                .toList());
    try (Load load = new Load(4)) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > 20);
      Serve.run(
          Deployment.builder(Echo.class)
              .numReplicas(2)
              .resource("CPU", 0.5)
              .gracefulShutdownTimeout(Duration.ofSeconds(10))
              .build()
              .bind("v2"),
          "app",
          "/app");
      int after = load.ok();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.ok() > after + 20);
      load.close();
      assertThat(load.failures).as("failed requests during the update").isEmpty();
      assertThat(load.greetings).contains("v1", "v2");
    }
    ServeStatus.DeploymentStatus d =
        Serve.status().applications().get("app").deployments().get("Echo");
    assertThat(d.replicas()).hasSize(2).noneMatch(r -> before.contains(r.id()));
    assertThat(JSON.readTree(ServeFixture.get("/app").body()).get("greeting").asText())
        .isEqualTo("v2");
  }

  @Test
  @Order(4)
  void aUserConfigChangeReconfiguresReplicasInPlace() throws Exception {
    Set<String> before =
        Set.copyOf(
            Serve.status().applications().get("app").deployments().get("Echo").replicas().stream()
                .map(ServeStatus.Replica::id)
                .toList());
    Serve.run(
        Deployment.builder(Echo.class)
            .numReplicas(2)
            .resource("CPU", 0.5)
            .gracefulShutdownTimeout(Duration.ofSeconds(10))
            .userConfig(Map.of("suffix", "!"))
            .build()
            .bind("v2"),
        "app",
        "/app");
    DeploymentHandle<Echo> h = Serve.getAppHandle("app");
    Awaitility.await("every replica took the new user config")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Set<String> answers = new HashSet<>();
              for (int k = 0; k < 10; k++) {
                answers.add(h.call(Echo::greet, "x").result(Duration.ofSeconds(30)));
              }
              return answers.equals(Set.of("v2!, x"));
            });
    assertThat(
            Serve.status().applications().get("app").deployments().get("Echo").replicas().stream()
                .map(ServeStatus.Replica::id))
        .containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  @Order(5)
  void aKilledControllerRestartsFromItsCheckpointAndKeepsTheReplicas() throws Exception {
    Set<String> before =
        Set.copyOf(
            Serve.status().applications().get("app").deployments().get("Echo").replicas().stream()
                .map(ServeStatus.Replica::id)
                .toList());
    long pid =
        Prism.<ServeController>getActor(ServeClient.CONTROLLER_NAME, ServeClient.NAMESPACE)
            .orElseThrow()
            .task(ServeController::pid)
            .remote()
            .get(Duration.ofSeconds(30));
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    // Requests keep flowing through the proxy while the controller is down.
    assertThat(ServeFixture.get("/app").statusCode()).isEqualTo(200);
    Awaitility.await("the controller is back with the same replicas")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              ServeStatus.DeploymentStatus d =
                  Serve.status().applications().get("app").deployments().get("Echo");
              return d.running() == 2
                  && d.replicas().stream()
                      .map(ServeStatus.Replica::id)
                      .toList()
                      .containsAll(before);
            });
    assertThat(ServeFixture.get("/app").statusCode()).isEqualTo(200);
  }
}
