package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.job.FileStore;
import dev.prism.runtime.rpc.RuntimeEnvProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a task's runtime environment combines with its default, and travels. */
class RuntimeEnvsTest {

  @TempDir Path temp;

  private static final RuntimeEnvProto JOB =
      RuntimeEnvProto.newBuilder()
          .putEnvVars("A", "job")
          .putEnvVars("B", "job")
          .addJvmOptions("-Xmx1g")
          .addClassPath("1".repeat(64))
          .build();

  @Test
  void theTasksVariablesWinPerNameAndOptionsAndClassPathFollowTheDefaults() {
    RuntimeEnvProto task =
        RuntimeEnvProto.newBuilder()
            .putEnvVars("A", "task")
            .putEnvVars("C", "task")
            .addJvmOptions("-Xmx96m")
            .addClassPath("1".repeat(64))
            .addClassPath("2".repeat(64))
            .build();
    RuntimeEnvProto merged = RuntimeEnvs.merge(JOB, task);
    assertThat(merged.getEnvVarsMap())
        .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("A", "task", "B", "job", "C", "task"));
    assertThat(merged.getJvmOptionsList()).containsExactly("-Xmx1g", "-Xmx96m");
    assertThat(merged.getClassPathList()).containsExactly("1".repeat(64), "2".repeat(64));
    assertThat(RuntimeEnvs.merge(JOB, RuntimeEnvProto.getDefaultInstance())).isEqualTo(JOB);
    assertThat(RuntimeEnvs.merge(RuntimeEnvProto.getDefaultInstance(), JOB)).isEqualTo(JOB);
  }

  @Test
  void theWorkersVariableRoundTripsAndRefusesGarbage() {
    assertThat(RuntimeEnvs.decode(RuntimeEnvs.encode(JOB))).isEqualTo(JOB);
    assertThat(RuntimeEnvs.encode(RuntimeEnvProto.getDefaultInstance())).isEmpty();
    assertThat(RuntimeEnvs.decode(null)).isEqualTo(RuntimeEnvProto.getDefaultInstance());
    assertThatThrownBy(() -> RuntimeEnvs.decode("%%%"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RuntimeEnvs.ENV);
  }

  @Test
  void aDirectoryPacksToTheSameHashWhateverItsFilesTimes() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("d/sub"));
    Files.writeString(dir.resolve("b.txt"), "b");
    Files.writeString(temp.resolve("d/a.txt"), "a");
    Path one = temp.resolve("one.jar");
    FileStore.packDirectory(temp.resolve("d"), one);
    Files.setLastModifiedTime(
        dir.resolve("b.txt"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
    Path two = temp.resolve("two.jar");
    FileStore.packDirectory(temp.resolve("d"), two);
    assertThat(FileStore.sha256(two)).isEqualTo(FileStore.sha256(one));
    Files.writeString(dir.resolve("b.txt"), "changed");
    Path three = temp.resolve("three.jar");
    FileStore.packDirectory(temp.resolve("d"), three);
    assertThat(FileStore.sha256(three)).isNotEqualTo(FileStore.sha256(one));
  }
}
