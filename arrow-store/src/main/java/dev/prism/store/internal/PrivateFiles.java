package dev.prism.store.internal;

import dev.prism.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Keeps the store's files away from other users of the machine: the shared-memory file and spill
 * files hold every object's bytes, and whoever connects to the socket can read and delete objects.
 * Files are created readable by their owner only, and the socket is bound only in a directory no
 * other user can enter.
 */
public final class PrivateFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** The attributes of a file only its owner can read and write (none off POSIX). */
  public static FileAttribute<?>[] ownerOnlyFile(Path anyPathOnTheFileSystem) {
    return posix(anyPathOnTheFileSystem)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
        : new FileAttribute<?>[0];
  }

  /** The attributes of a directory only its owner can enter (none off POSIX). */
  public static FileAttribute<?>[] ownerOnlyDirectory(Path anyPathOnTheFileSystem) {
    return posix(anyPathOnTheFileSystem)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR)}
        : new FileAttribute<?>[0];
  }

  /**
   * Returns a directory for the socket that only this user can enter: {@code dir} itself when it is
   * this user's and closed to others (a session directory), else its sub-directory {@code
   * prism-<user>}, created with mode 0700 (or checked to be this user's and closed to others when
   * it exists). Kept: the stores of this user share it.
   *
   * @param dir the configured socket directory (e.g. {@code /tmp})
   * @return the directory to bind in
   * @throws StoreException if the sub-directory belongs to another user or cannot be made
   */
  public static Path socketDirectory(Path dir) {
    if (!posix(dir)) {
      return dir;
    }
    try {
      if (isPrivate(dir)) {
        return dir;
      }
      String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
      Path own = dir.resolve("prism-" + user);
      if (!Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectory(own, ownerOnlyDirectory(own));
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // made at the same time by another store of this user: checked below
        }
      }
      if (!Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS) || !ownedByMe(own)) {
        throw new StoreException(
            own
                + " is not a directory of user "
                + user
                + "; remove it,"
                + " or configure a socketDirectory that only you can enter");
      }
      if (!isPrivate(own)) {
        Files.setPosixFilePermissions(own, OWNER_ONLY_DIR);
      }
      return own;
    } catch (IOException e) {
      throw new StoreException(
          "cannot prepare a private socket directory in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Makes a socket (or any file) readable and writable by its owner only. */
  public static void restrict(Path file) throws IOException {
    if (posix(file)) {
      Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
    }
  }

  private static boolean isPrivate(Path dir) throws IOException {
    return ownedByMe(dir)
        && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).stream()
            .noneMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
  }

  /**
   * Whether this process's user owns a file. Compares numeric user ids where the file system has
   * them, so it also holds for a user without a name (a container run with an arbitrary uid, where
   * the JDK's {@code user.name} is "?").
   *
   * @param p the file, not followed if a link
   * @return whether it is ours
   * @throws IOException if its owner cannot be read
   */
  public static boolean ownedByMe(Path p) throws IOException {
    if (p.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      Object uid = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      return uid instanceof Integer i && i == MyUid.UID;
    }
    String me = System.getProperty("user.name");
    return me == null || Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName().equals(me);
  }

  /** This process's user id, read once (from a file it creates, which it owns). */
  private static final class MyUid {
    static final long UID = read();

    private static long read() {
      try {
        Path probe = Files.createTempFile("prism-uid-", ".probe");
        try {
          return ((Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS))
              .longValue();
        } finally {
          Files.deleteIfExists(probe);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot find this process's user id", e);
      }
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
