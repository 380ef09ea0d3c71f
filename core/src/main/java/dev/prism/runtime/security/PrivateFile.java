package dev.prism.runtime.security;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a secret (the cluster token, a TLS private key) to a file only its user can read: under a
 * temporary name created with mode 0600 (never readable by others, whatever the umask), then
 * renamed into place, so readers see the whole file or none.
 */
final class PrivateFile {

  private PrivateFile() {}

  /**
   * Writes {@code content} to {@code file}, replacing it.
   *
   * @param file the file
   * @param content its bytes
   * @throws IOException when it cannot be written (nothing is left behind)
   */
  static void write(Path file, byte[] content) throws IOException {
    Path tmp =
        file.resolveSibling(
            file.getFileName()
                + ".tmp-"
                + ProcessHandle.current().pid()
                + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp); // not a POSIX file system
      }
      Files.write(tmp, content);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the write failed already
      }
      throw e;
    }
  }
}
