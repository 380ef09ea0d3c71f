package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runtime environments on the real multi-process embedded cluster: variables, JVM options and extra
 * class path reach the worker JVM; workers are pooled per environment; nested tasks inherit;
 * environments that cannot be set up fail at once with {@link RuntimeEnvSetupException}.
 */
@Timeout(180)
class RuntimeEnvTest {

  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path temp;

  static Path jar;
  static Path classesDir;
  static RuntimeEnv env;

  @BeforeAll
  static void start() throws IOException {
    jar = temp.resolve("renv-extra.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("renv/from-jar.txt"));
      zip.write("text from the extra jar".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    classesDir = temp.resolve("renv-classes");
    Files.createDirectories(classesDir.resolve("renv"));
    Files.writeString(classesDir.resolve("renv/from-dir.txt"), "text from the extra directory");
    env =
        RuntimeEnv.builder()
            .envVar("RENV_GREETING", "hello")
            .jvmOption("-Dprism.renv.prop=on")
            .jvmOption("-Xmx160m")
            .classPath(jar)
            .classPath(classesDir)
            .build();
    Prism.init(ClusterFixture.small().prestartWorkers(1).build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  // --- remote functions (public static, so worker processes can run them) ---

  /** What a worker sees of its environment. */
  public static Map<String, String> probe() {
    Map<String, String> m = new HashMap<>();
    m.put("var", String.valueOf(System.getenv("RENV_GREETING")));
    m.put("prop", String.valueOf(System.getProperty("prism.renv.prop")));
    m.put("maxMemory", Long.toString(Runtime.getRuntime().maxMemory()));
    m.put("jar", resource("renv/from-jar.txt"));
    m.put("dir", resource("renv/from-dir.txt"));
    m.put("pid", Long.toString(ProcessHandle.current().pid()));
    return m;
  }

  /** Probes in a nested task without an environment of its own. */
  public static Map<String, String> nestedInherit() {
    return Prism.get(Prism.task(RuntimeEnvTest::probe).remote(), WAIT);
  }

  /** Probes in a nested task that overrides one variable. */
  public static Map<String, String> nestedOverride() {
    RuntimeEnv own = RuntimeEnv.builder().envVar("RENV_GREETING", "override").build();
    return Prism.get(Prism.task(RuntimeEnvTest::probe).setRuntimeEnv(own).remote(), WAIT);
  }

  /** Returns 1. */
  public static int one() {
    return 1;
  }

  private static String resource(String name) {
    try (InputStream in = ClassLoader.getSystemResourceAsStream(name)) {
      return in == null ? "missing" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "unreadable: " + e;
    }
  }

  /** An actor that reports its process's environment. */
  public static final class EnvActor {
    public EnvActor() {}

    public Map<String, String> probe() {
      return RuntimeEnvTest.probe();
    }
  }

  // --- tests ---

  @Test
  void variablesOptionsAndClassPathReachTheWorkerAndPoolsAreSeparate() {
    Map<String, String> plain = Prism.get(Prism.task(RuntimeEnvTest::probe).remote(), WAIT);
    Map<String, String> first =
        Prism.get(Prism.task(RuntimeEnvTest::probe).setRuntimeEnv(env).remote(), WAIT);
    Map<String, String> second =
        Prism.get(Prism.task(RuntimeEnvTest::probe).setRuntimeEnv(env).remote(), WAIT);

    assertThat(first.get("var")).isEqualTo("hello");
    assertThat(first.get("prop")).isEqualTo("on");
    assertThat(Long.parseLong(first.get("maxMemory"))).isBetween(100L << 20, 170L << 20);
    assertThat(first.get("jar")).isEqualTo("text from the extra jar");
    assertThat(first.get("dir")).isEqualTo("text from the extra directory");
    // the default pool's worker has none of it, and is another process
    assertThat(plain.get("var")).isEqualTo("null");
    assertThat(plain.get("prop")).isEqualTo("null");
    assertThat(plain.get("jar")).isEqualTo("missing");
    assertThat(plain.get("pid")).isNotEqualTo(first.get("pid"));
    // a worker of the environment serves its next task
    assertThat(second.get("pid")).isEqualTo(first.get("pid"));
    // and a default task after them still runs outside it
    Map<String, String> plainAgain = Prism.get(Prism.task(RuntimeEnvTest::probe).remote(), WAIT);
    assertThat(plainAgain.get("var")).isEqualTo("null");
    assertThat(plainAgain.get("pid")).isNotEqualTo(first.get("pid"));
  }

  @Test
  void nestedTasksInheritTheirParentsEnvironmentAndMergeTheirOwn() {
    Map<String, String> inherited =
        Prism.get(Prism.task(RuntimeEnvTest::nestedInherit).setRuntimeEnv(env).remote(), WAIT);
    assertThat(inherited.get("var")).isEqualTo("hello");
    assertThat(inherited.get("prop")).isEqualTo("on");
    assertThat(inherited.get("jar")).isEqualTo("text from the extra jar");

    Map<String, String> merged =
        Prism.get(Prism.task(RuntimeEnvTest::nestedOverride).setRuntimeEnv(env).remote(), WAIT);
    assertThat(merged.get("var")).isEqualTo("override");
    assertThat(merged.get("prop")).as("the parent's JVM options stay").isEqualTo("on");
    assertThat(merged.get("dir")).isEqualTo("text from the extra directory");
  }

  @Test
  void anActorRunsInItsEnvironment() {
    RuntimeEnv actorEnv = RuntimeEnv.builder().envVar("RENV_GREETING", "actor").build();
    ActorHandle<EnvActor> a = Prism.actor(EnvActor::new).setRuntimeEnv(actorEnv).remote();
    Map<String, String> seen = Prism.get(a.task(EnvActor::probe).remote(), WAIT);
    assertThat(seen.get("var")).isEqualTo("actor");
    assertThat(seen.get("prop")).isEqualTo("null");
    a.kill();
  }

  @Test
  void aJvmThatCannotStartFailsTheTaskAtOnceWithTheJvmsError() {
    RuntimeEnv bad = RuntimeEnv.builder().jvmOption("-XX:+NoSuchPrismFlag").build();
    long start = System.nanoTime();
    ObjectRef<Integer> r = Prism.task(RuntimeEnvTest::one).setRuntimeEnv(bad).remote();
    assertThatThrownBy(() -> Prism.get(r, WAIT))
        .isInstanceOf(RuntimeEnvSetupException.class)
        .hasMessageContaining("runtime environment cannot be set up")
        .hasMessageContaining("NoSuchPrismFlag")
        .hasMessageContaining("exited before it registered");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    // the cluster still runs default tasks
    assertThat(Prism.get(Prism.task(RuntimeEnvTest::one).remote(), WAIT)).isEqualTo(1);
  }

  @Test
  void anActorWhoseJvmCannotStartDiesWithTheSetupErrorAsCause() {
    RuntimeEnv bad = RuntimeEnv.builder().jvmOption("-Xmx1k").build();
    ActorHandle<EnvActor> a = Prism.actor(EnvActor::new).setRuntimeEnv(bad).remote();
    assertThatThrownBy(() -> Prism.get(a.task(EnvActor::probe).remote(), WAIT))
        .isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("runtime environment cannot be set up")
        .cause()
        .isInstanceOf(RuntimeEnvSetupException.class)
        .hasMessageContaining("heap");
  }

  @Test
  void anEnvironmentWhoseJarIsMissingIsRefusedAtSubmit() throws IOException {
    Path gone = temp.resolve("gone.jar");
    Files.copy(jar, gone);
    RuntimeEnv withGone = RuntimeEnv.builder().classPath(gone).build();
    Files.delete(gone);
    assertThatThrownBy(() -> Prism.task(RuntimeEnvTest::one).setRuntimeEnv(withGone).remote())
        .isInstanceOf(RuntimeEnvSetupException.class)
        .hasMessageContaining(gone.toString())
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> Prism.actor(EnvActor::new).setRuntimeEnv(withGone).remote())
        .isInstanceOf(RuntimeEnvSetupException.class)
        .hasMessageContaining(gone.toString());
    assertThatThrownBy(() -> RuntimeEnv.builder().classPath(gone).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(gone.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void invalidValuesAreRefusedWhenBuilt() throws IOException {
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar(" ", "x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar("1BAD-NAME", "x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1BAD-NAME' is not a valid environment variable name");
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar("PRISM_NODE_ID", "x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PRISM_NODE_ID");
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar("_JAVA_OPTIONS", "-cp x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("_JAVA_OPTIONS would change the worker JVM's options");
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar("OK", "a\0b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the environment variable OK contains a NUL character");
    assertThatThrownBy(() -> RuntimeEnv.builder().jvmOption("-Dx=" + "y".repeat(70_000)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("characters long; give at most 65536");
    assertThatThrownBy(() -> RuntimeEnv.builder().envVar("OK", null).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OK");
    assertThatThrownBy(() -> RuntimeEnv.builder().jvmOption("Xmx1g").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Xmx1g' does not start with '-'");
    assertThatThrownBy(() -> RuntimeEnv.builder().jvmOption("").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    for (String reserved : List.of("-cp", "-classpath", "--class-path=x", "-XX:AOTCache=a.aot")) {
      assertThatThrownBy(() -> RuntimeEnv.builder().jvmOption(reserved).build())
          .as(reserved)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(reserved)
          .hasMessageContaining("set by Prism");
    }
    Path text = temp.resolve("notes.txt");
    Files.writeString(text, "not a jar");
    assertThatThrownBy(() -> RuntimeEnv.builder().classPath(text).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text.toString())
        .hasMessageContaining("neither a .jar file nor a directory");
    // valid ones are kept as given, paths made absolute
    RuntimeEnv ok =
        RuntimeEnv.builder().envVar("A_1", "").jvmOption("-Xss1m").classPath(jar).build();
    assertThat(ok.envVars()).containsEntry("A_1", "");
    assertThat(ok.jvmOptions()).containsExactly("-Xss1m");
    assertThat(ok.classPath()).containsExactly(jar.toAbsolutePath().normalize());
    assertThat(RuntimeEnv.empty().isEmpty()).isTrue();
  }
}
