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

  /** A started child JVM running {@link ChildClient} with its output captured line by line. */
  static final class Child implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final List<String> lines = new ArrayList<>();

    Child(String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElseThrow());
      cmd.addAll(Arrays.asList(System.getProperty("prism.jvm.flags", "").trim().split("\\s+")));
      cmd.addAll(
          List.of(
              "-Xmx192m",
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-cp",
              System.getProperty("java.class.path"),
              ChildClient.class.getName()));
      cmd.addAll(Arrays.asList(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Reads lines until one starts with {@code prefix}; fails if the child exits first. */
    String awaitLine(String prefix) throws IOException {
      for (String line; (line = out.readLine()) != null; ) {
        lines.add(line);
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      throw new AssertionError("child exited without printing '" + prefix + "'; output: " + lines);
    }

    /** Waits for exit (bounded) and returns all remaining output. */
    int finish(Duration timeout) throws IOException, InterruptedException {
      for (String line; (line = out.readLine()) != null; ) {
        lines.add(line);
      }
      assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
          .as("child exited in time")
          .isTrue();
      return process.exitValue();
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
