package dev.prism.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token itself: generation, files, validation, comparison, and the refusal log's limit. */
class ClusterTokenTest {

  @TempDir Path dir;

  @Test
  void aGeneratedTokenIsRandomAndItsFileIsReadableByItsOwnerOnly() throws Exception {
    ClusterToken a = ClusterToken.generate();
    ClusterToken b = ClusterToken.generate();
    assertThat(a.secret()).hasSize(64).isNotEqualTo(b.secret());
    assertThat(a).isNotEqualTo(b);
    assertThat(a.toString()).doesNotContain(a.secret()).contains(a.fingerprint());

    Path file = dir.resolve("cluster_token");
    a.writeTo(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(ClusterToken.readFrom(file)).isEqualTo(a);
    b.writeTo(file); // replaced whole, still private, no temporary file left
    assertThat(ClusterToken.readFrom(file)).isEqualTo(b);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void matchingIsExact() {
    ClusterToken t = ClusterToken.of("  0123456789abcdef0123  \n", "test");
    assertThat(t.matches("0123456789abcdef0123")).isTrue();
    assertThat(t.matches("0123456789abcdef012")).isFalse();
    assertThat(t.matches("0123456789abcdef01234")).isFalse();
    assertThat(t.matches("1123456789abcdef0123")).isFalse();
    assertThat(t.matches("")).isFalse();
    assertThat(t.matches(null)).isFalse();
    assertThat(t.matchesDigest(t.digest())).isTrue();
    assertThat(t.matchesDigest(ClusterToken.generate().digest())).isFalse();
    assertThat(t.matchesDigest(new byte[3])).isFalse();
  }

  @Test
  void badTokensAndMissingFilesAreNamed() {
    assertThatThrownBy(() -> ClusterToken.of("short", "the variable X"))
        .isInstanceOf(SecurityConfigException.class)
        .hasMessageContaining("the variable X")
        .hasMessageContaining("5 characters");
    assertThatThrownBy(() -> ClusterToken.of("0123456789 abcdef0123", "F"))
        .isInstanceOf(SecurityConfigException.class)
        .hasMessageContaining("position 10");
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ClusterToken.readFrom(missing))
        .isInstanceOf(SecurityConfigException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void refusalsAreLoggedAtMostOncePerPeriod() {
    AtomicLong now = new AtomicLong(1_000);
    RefusalLog log = new RefusalLog("test server", TimeUnit.SECONDS.toNanos(10), now::get);
    assertThat(log.refused("/1.2.3.4:5", "m", "no cluster token")).isTrue();
    assertThat(log.refused("/1.2.3.4:5", "m", "no cluster token")).isFalse();
    now.addAndGet(TimeUnit.SECONDS.toNanos(5));
    assertThat(log.refused("/1.2.3.4:5", "m", "no cluster token")).isFalse();
    now.addAndGet(TimeUnit.SECONDS.toNanos(6));
    assertThat(log.refused("/1.2.3.4:5", "m", "wrong cluster token")).isTrue();
    assertThat(log.count()).isEqualTo(4);
  }
}
