package dev.prism.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content-addressed store of uploaded jars: verification, limits, dedup, permissions. */
class FileStoreTest {

  @TempDir Path dir;

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void storesVerifiedBytesOnceReadableByTheOwnerOnly() throws Exception {
    FileStore store = new FileStore(dir.resolve("files"), 1024);
    byte[] data = "a jar".getBytes(StandardCharsets.UTF_8);
    String hash = sha256(data);
    assertThat(store.path(hash)).isEmpty();
    assertThat(store.put(hash, data.length, new ByteArrayInputStream(data))).isFalse();
    assertThat(store.put(hash, data.length, new ByteArrayInputStream(data))).isTrue();
    Path stored = store.path(hash).orElseThrow();
    assertThat(Files.readAllBytes(stored)).isEqualTo(data);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("files"))))
        .isEqualTo("rwx------");
    assertThat(FileStore.sha256(stored)).isEqualTo(hash);
  }

  @Test
  void refusesWrongBytesTooLargeFilesAndBadHashesLeavingNothingBehind() throws Exception {
    FileStore store = new FileStore(dir.resolve("files"), 8);
    byte[] data = "12345678".getBytes(StandardCharsets.UTF_8);
    String other = sha256("something else".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> store.put(other, data.length, new ByteArrayInputStream(data)))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("not " + other)
        .matches(e -> ((JobException) e).kind() == JobException.Kind.INVALID);
    assertThatThrownBy(() -> store.begin(other, 9))
        .hasMessageContaining("is 9 bytes, over the head's upload limit of 8 bytes")
        .matches(e -> ((JobException) e).kind() == JobException.Kind.TOO_LARGE);
    FileStore.Upload u = store.begin(sha256(data), 4);
    assertThatThrownBy(() -> u.write(data, 0, data.length))
        .hasMessageContaining("more than the 4 bytes it announced");
    u.abort();
    assertThatThrownBy(() -> store.path("../etc/passwd")).hasMessageContaining("not a sha-256");
    try (Stream<Path> left = Files.list(dir.resolve("files"))) {
      assertThat(left).isEmpty();
    }
  }
}
