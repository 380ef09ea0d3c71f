package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.RuntimeEnv;
import dev.prism.runtime.job.FileStore;
import dev.prism.runtime.rpc.RuntimeEnvProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prism job submit --runtime-env-json}: parsing, refusals, and uploading its class path. */
class JobRuntimeEnvTest {

  @TempDir Path temp;

  @Test
  void parsesTheThreeFieldsAndUploadsJarsAndPackedDirectories() throws IOException {
    Path jar = Files.writeString(temp.resolve("lib.jar"), "not really a jar, but a file");
    Path dir = Files.createDirectories(temp.resolve("classes/a"));
    Files.writeString(dir.resolve("r.txt"), "x");
    RuntimeEnv env =
        JobRuntimeEnv.parse(
            "{\"env_vars\": {\"MODEL\": \"m1\"}, \"jvm_options\": [\"-Xmx1g\"], \"class_path\": [\""
                + jar
                + "\", \""
                + temp.resolve("classes")
                + "\"]}");
    assertThat(env.envVars()).containsEntry("MODEL", "m1");
    assertThat(env.jvmOptions()).containsExactly("-Xmx1g");
    List<Path> uploaded = new ArrayList<>();
    RuntimeEnvProto wire =
        JobRuntimeEnv.resolve(
            env,
            f -> {
              uploaded.add(f);
              try {
                return FileStore.sha256(f);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    assertThat(wire.getEnvVarsMap()).containsEntry("MODEL", "m1");
    assertThat(wire.getClassPathList()).hasSize(2).doesNotHaveDuplicates();
    assertThat(wire.getClassPath(0)).isEqualTo(FileStore.sha256(jar));
    assertThat(uploaded.get(1).getFileName().toString()).endsWith(".jar");
    assertThat(uploaded.get(1)).doesNotExist(); // the packed jar was temporary
  }

  @Test
  void refusesWhatIsNotAnEnvironment() {
    assertThatThrownBy(() -> JobRuntimeEnv.parse("{not json"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("is not JSON");
    assertThatThrownBy(() -> JobRuntimeEnv.parse("[1]"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> JobRuntimeEnv.parse("{\"envvars\": {}}"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("unknown field 'envvars'");
    assertThatThrownBy(() -> JobRuntimeEnv.parse("{\"jvm_options\": \"-Xmx1g\"}"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("jvm_options of --runtime-env-json must be an array");
    assertThatThrownBy(() -> JobRuntimeEnv.parse("{\"env_vars\": {\"N\": 3}}"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("env_vars.N");
    assertThatThrownBy(() -> JobRuntimeEnv.parse("{\"jvm_options\": [\"Xmx1g\"]}"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("'Xmx1g' does not start with '-'");
    assertThatThrownBy(
            () -> JobRuntimeEnv.parse("{\"class_path\": [\"" + temp.resolve("none.jar") + "\"]}"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("none.jar does not exist");
  }
}
