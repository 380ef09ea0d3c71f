package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A driver's default runtime environment ({@link PrismConfig.Builder#runtimeEnv}): every task and
 * actor of the driver runs in it, and a task's own environment combines with it per variable.
 */
@Timeout(180)
class RuntimeEnvDefaultTest {

  static final Duration WAIT = Duration.ofSeconds(90);

  @BeforeAll
  static void start() {
    RuntimeEnv job =
        RuntimeEnv.builder()
            .envVar("RENV_JOB", "job")
            .envVar("RENV_SHARED", "from the job")
            .jvmOption("-Dprism.renv.job=set")
            .build();
    Prism.init(ClusterFixture.small().prestartWorkers(0).runtimeEnv(job).build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /** What a worker sees. */
  public static Map<String, String> probe() {
    Map<String, String> m = new HashMap<>();
    m.put("job", String.valueOf(System.getenv("RENV_JOB")));
    m.put("shared", String.valueOf(System.getenv("RENV_SHARED")));
    m.put("task", String.valueOf(System.getenv("RENV_TASK")));
    m.put("prop", String.valueOf(System.getProperty("prism.renv.job")));
    return m;
  }

  /** An actor that reports what its worker sees. */
  public static final class Probe {
    public Probe() {}

    public Map<String, String> probe() {
      return RuntimeEnvDefaultTest.probe();
    }
  }

  @Test
  void tasksAndActorsRunInTheDriversEnvironment() {
    Map<String, String> task = Prism.get(Prism.task(RuntimeEnvDefaultTest::probe).remote(), WAIT);
    assertThat(task)
        .containsEntry("job", "job")
        .containsEntry("shared", "from the job")
        .containsEntry("task", "null")
        .containsEntry("prop", "set");
    ActorHandle<Probe> a = Prism.actor(Probe::new).remote();
    assertThat(Prism.get(a.task(Probe::probe).remote(), WAIT)).containsEntry("job", "job");
    a.kill();
  }

  @Test
  void aTasksOwnEnvironmentOverridesTheDriversPerVariable() {
    RuntimeEnv own =
        RuntimeEnv.builder()
            .envVar("RENV_SHARED", "from the task")
            .envVar("RENV_TASK", "t")
            .build();
    Map<String, String> seen =
        Prism.get(Prism.task(RuntimeEnvDefaultTest::probe).setRuntimeEnv(own).remote(), WAIT);
    assertThat(seen)
        .containsEntry("job", "job")
        .containsEntry("shared", "from the task")
        .containsEntry("task", "t")
        .containsEntry("prop", "set");
  }
}
