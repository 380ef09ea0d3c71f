package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Helpers shared by the store tests: servers in temp dirs, child JVMs, checksums, leak checks. */
final class StoreTestSupport {

  private StoreTestSupport() {}

  static StoreServer server(Path tmp, long capacity) {
    return StoreServer.start(
        StoreConfig.builder()
            .capacity(capacity)
            .socketDirectory(tmp)
            .spillDirectory(tmp.resolve("spill"))
            .defaultTimeout(Duration.ofSeconds(10))
            .build());
  }

  /** Files under /dev/shm that belong to stores started by this JVM. */
  static List<Path> shmFilesOfThisJvm() throws IOException {
    String prefix = "prism-" + ProcessHandle.current().pid() + "-";
    try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  static void assertNoShmLeak() throws IOException {
    assertThat(shmFilesOfThisJvm()).as("leaked /dev/shm files").isEmpty();
  }

  static long checksum(MemorySegment s) {
    CRC32C crc = new CRC32C();
    for (long pos = 0; pos < s.byteSize(); pos += 1 << 20) {
      crc.update(s.asSlice(pos, Math.min(1 << 20, s.byteSize() - pos)).asByteBuffer());
    }
    return crc.getValue();
  }

  static byte[] pattern(long seed, int size) {
    byte[] b = new byte[size];
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[i] = (byte) x;
    }
    return b;
  }

  /**
   * A started child JVM running {@link ChildClient} with its output captured line by line (by a
   * reader thread, so that every wait for a line is bounded).
   */
  static final class Child implements AutoCloseable {
    /** How long {@link #awaitLine} waits for the next line. */
    static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);

    private static final String EOF = new String("<eof>");

    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();

    Child(String... args) throws IOException {
      this(List.of(), args);
    }

    /** Starts a child with extra JVM flags (for example where a crash report goes). */
    Child(List<String> jvmFlags, String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElseThrow());
      cmd.addAll(Arrays.asList(System.getProperty("prism.jvm.flags", "").trim().split("\\s+")));
      cmd.addAll(List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"));
      cmd.add(System.getProperty("java.class.path"));
      cmd.addAll(jvmFlags);
      cmd.add(ChildClient.class.getName());
      cmd.addAll(Arrays.asList(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Thread.ofPlatform()
          .daemon()
          .name("child-output-" + process.pid())
          .start(
              () -> {
                try {
                  for (String line; (line = out.readLine()) != null; ) {
                    queue.add(line);
                  }
                } catch (IOException e) {
                  queue.add("<output error: " + e + ">");
                } finally {
                  queue.add(EOF);
                }
              });
    }

    /**
     * Reads lines until one starts with {@code prefix}; fails if the child exits first or no line
     * comes within {@link #LINE_TIMEOUT}.
     */
    String awaitLine(String prefix) throws InterruptedException {
      while (true) {
        String line = queue.poll(LINE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
          throw new AssertionError(
              "child printed no line within "
                  + LINE_TIMEOUT
                  + " waiting for '"
                  + prefix
                  + "'; output: "
                  + lines);
        }
        if (line == EOF) {
          queue.add(EOF);
          throw new AssertionError(
              "child exited without printing '" + prefix + "'; output: " + lines);
        }
        lines.add(line);
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    }

    /** Sends one line to the child's standard input. */
    void send(String line) throws IOException {
      process.getOutputStream().write((line + '\n').getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Waits for exit (bounded), collects all remaining output and returns the exit code. */
    int finish(Duration timeout) throws InterruptedException {
      assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
          .as("child exited in time; output %s", lines)
          .isTrue();
      while (true) {
        String line = queue.poll(LINE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(line).as("the end of the child's output; output %s", lines).isNotNull();
        if (line == EOF) {
          queue.add(EOF);
          return process.exitValue();
        }
        lines.add(line);
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
