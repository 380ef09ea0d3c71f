package dev.prism.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.node.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job manager without a cluster: drivers are small mains of this class path, run as child
 * processes; their status, logs from an offset, stop, and the refusals.
 */
@Timeout(120)
class JobManagerTest {

  @TempDir Path dir;
  private JobManager jobs;

  /** A driver that prints its arguments and an environment variable, then exits with args[0]. */
  public static final class Echo {
    private Echo() {}

    /**
     * Runs it.
     *
     * @param args the exit code, then words to print
     */
    public static void main(String[] args) {
      System.out.println("echo " + String.join(" ", args) + " " + System.getenv("GREETING"));
      System.err.println("to stderr");
      System.exit(Integer.parseInt(args[0]));
    }
  }

  /** A driver that never ends by itself. */
  public static final class Forever {
    private Forever() {}

    /**
     * Runs it.
     *
     * @param args none
     * @throws InterruptedException never in practice
     */
    public static void main(String[] args) throws InterruptedException {
      System.out.println("started");
      Thread.sleep(600_000);
    }
  }

  @BeforeEach
  void start() {
    jobs =
        new JobManager(
            new JobManagerConfig(
                dir.resolve("jobs"),
                1 << 20,
                Path.of(System.getProperty("java.home"), "bin", "java"),
                NodeConfig.STANDARD_JVM_FLAGS,
                System.getProperty("java.class.path"),
                Map.of(),
                Duration.ofSeconds(5)));
    jobs.clusterAddress("127.0.0.1:1");
  }

  @AfterEach
  void stop() {
    jobs.close();
  }

  private JobStatus submit(String main, List<String> args, Optional<String> id) {
    return jobs.submit(
        new JobManager.SubmitRequest(main, args, List.of(), Map.of("GREETING", "hi"), id));
  }

  @Test
  void aDriverRunsToItsEndWithItsOutputInTheLog() throws Exception {
    JobStatus s = submit(Echo.class.getName(), List.of("0", "a", "b"), Optional.empty());
    assertThat(s.submissionId()).isEqualTo("job-1");
    assertThat(s.state()).isEqualTo(JobState.RUNNING);
    JobStatus done = jobs.await("job-1", Duration.ofSeconds(60));
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.exitCode()).hasValue(0);
    assertThat(done.startTime()).isPresent();
    assertThat(done.endTime()).isPresent();
    JobManager.LogChunk all = jobs.logs("job-1", 0, 1 << 20);
    String text = new String(all.data(), StandardCharsets.UTF_8);
    assertThat(text).contains("echo 0 a b hi").contains("to stderr");
    assertThat(all.ended()).isTrue();
    JobManager.LogChunk tail = jobs.logs("job-1", 5, 3);
    assertThat(new String(tail.data(), StandardCharsets.UTF_8)).isEqualTo(text.substring(5, 8));
    assertThat(tail.nextOffset()).isEqualTo(8);
    assertThat(tail.ended()).isFalse();

    JobStatus failed = submit(Echo.class.getName(), List.of("3"), Optional.of("mine"));
    assertThat(jobs.await("mine", Duration.ofSeconds(60)).state()).isEqualTo(JobState.FAILED);
    assertThat(jobs.status("mine").exitCode()).hasValue(3);
    assertThat(jobs.status("mine").message()).contains("exited with code 3");
    assertThat(jobs.list()).extracting(JobStatus::submissionId).containsExactly("job-1", "mine");
    assertThat(failed.mainClass()).isEqualTo(Echo.class.getName());
  }

  @Test
  void stopEndsTheDriver() throws Exception {
    JobStatus s = submit(Forever.class.getName(), List.of(), Optional.empty());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (jobs.logs(s.submissionId(), 0, 100).data().length == 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(jobs.stop(s.submissionId(), Duration.ofSeconds(2))).isTrue();
    JobStatus stopped = jobs.status(s.submissionId());
    assertThat(stopped.state()).isEqualTo(JobState.STOPPED);
    assertThat(ProcessHandle.of(s.driverPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(jobs.stop(s.submissionId(), null)).isFalse();
  }

  @Test
  void refusals() {
    assertThatThrownBy(() -> jobs.status("nope"))
        .hasMessageContaining("no job 'nope'")
        .matches(e -> ((JobException) e).kind() == JobException.Kind.NOT_FOUND);
    assertThatThrownBy(
            () ->
                jobs.submit(
                    new JobManager.SubmitRequest(
                        "X", List.of(), List.of("a".repeat(64)), Map.of(), Optional.empty())))
        .hasMessageContaining("is not on the head")
        .matches(e -> ((JobException) e).kind() == JobException.Kind.NOT_FOUND);
    assertThatThrownBy(() -> submit("X", List.of(), Optional.of("../x")))
        .hasMessageContaining("is not 1-64 letters");
    assertThatThrownBy(() -> submit(" ", List.of(), Optional.empty()))
        .hasMessageContaining("needs a main class");
  }
}
