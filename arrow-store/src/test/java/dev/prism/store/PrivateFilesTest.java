package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other users of the machine cannot reach the store: its shared-memory file is readable by its
 * owner only, its spill directory can be entered by its owner only, and its socket is bound in a
 * directory only its owner can enter even when the configured one is open to all (as {@code /tmp}
 * is).
 */
class PrivateFilesTest {

  @TempDir Path tmp;

  @Test
  void theStoresFilesAreClosedToOtherUsers() throws Exception {
    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path shm = Files.createDirectory(tmp.resolve("shm"));
    try (StoreServer server =
        StoreServer.start(
            StoreConfig.builder()
                .capacity(4L << 20)
                .shmDirectory(shm)
                .socketDirectory(open)
                .spillDirectory(open)
                .build())) {
      Path socketDir = server.socketPath().getParent();
      assertThat(socketDir)
          .isEqualTo(
              open.resolve(
                  "prism-" + System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_")));
      assertThat(mode(socketDir)).isEqualTo("rwx------");
      assertThat(mode(server.socketPath())).isEqualTo("rw-------");
      assertThat(mode(server.shmPath())).isEqualTo("rw-------");
      try (Stream<Path> spill = Files.list(open)) {
        Path spillDir =
            spill.filter(p -> p.toString().endsWith(".spill")).findFirst().orElseThrow();
        assertThat(mode(spillDir)).isEqualTo("rwx------");
      }
      try (StoreClient client = server.connect()) {
        assertThat(client.list()).isEmpty(); // the owner still connects
      }
    }
    // A private directory is used as it is (a session's sockets directory).
    try (StoreServer server =
        StoreServer.start(
            StoreConfig.builder()
                .capacity(4L << 20)
                .shmDirectory(shm)
                .socketDirectory(tmp)
                .spillDirectory(tmp)
                .build())) {
      assertThat(server.socketPath().getParent()).isEqualTo(tmp);
    }
    StoreTestSupport.assertNoShmLeak();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aUserWithoutANameStillOwnsItsFiles(@TempDir Path dir) throws Exception {
    // a container run with an arbitrary uid: the JDK's user.name is "?", the owner's name a number
    String name = System.getProperty("user.name");
    System.setProperty("user.name", "?");
    try {
      assertThat(dev.prism.store.internal.PrivateFiles.ownedByMe(dir)).isTrue();
      assertThat(dev.prism.store.internal.PrivateFiles.ownedByMe(Path.of("/")))
          .as("root's /")
          .isEqualTo(Files.getAttribute(dir, "unix:uid").equals(0));
    } finally {
      System.setProperty("user.name", name);
    }
  }
}
