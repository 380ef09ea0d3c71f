package dev.prism.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * One session directory: where the processes of one {@code prism start --head} (and the nodes that
 * join it from this machine) keep their state. Layout, under a per-user root ({@link
 * #defaultRoot()}):
 *
 * <pre>
 * prism-$USER/
 *   latest -> session_2025-01-31_12-00-00_123_4567   (the newest session)
 *   session_2025-01-31_12-00-00_123_4567/
 *     session.properties        gcs.address=HOST:PORT
 *     cluster_token             the cluster's token (mode 0600), see {@link ClusterTokens}
 *     nodes/head-1a2b3c4d.properties   one {@link NodeRecord} per node process
 *     logs/head-1a2b3c4d.log    the node process's stdout and stderr (workers' lines included)
 *     sockets/                  the object stores' Unix sockets
 *     spill/                    the object stores' spill directories
 * </pre>
 *
 * @param path the session directory
 */
public record SessionDir(Path path) {

  private static final String LATEST = "latest";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss_SSS");

  /**
   * Returns the default root of session directories: {@code ${TMPDIR:-/tmp}/prism-$USER}.
   *
   * @return the root
   */
  public static Path defaultRoot() {
    String tmp = System.getenv("TMPDIR");
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(tmp == null || tmp.isBlank() ? "/tmp" : tmp, "prism-" + user);
  }

  /**
   * Returns the root to use: {@code --temp-dir} when given, else {@link #defaultRoot()}.
   *
   * @param tempDir the option's value
   * @return the root
   */
  public static Path root(Optional<Path> tempDir) {
    return tempDir.orElseGet(SessionDir::defaultRoot);
  }

  /**
   * Creates a new session directory under {@code root} and points {@code latest} at it.
   *
   * @param root the root (created when missing, readable by this user only)
   * @param gcsAddress the GCS of the session's cluster, or null while unknown
   * @return the session
   * @throws CliException if the directories cannot be created
   */
  public static SessionDir create(Path root, String gcsAddress) {
    try {
      createPrivate(root);
      String name =
          "session_" + LocalDateTime.now().format(STAMP) + "_" + ProcessHandle.current().pid();
      // Two sessions made in the same millisecond by one process get distinct directories.
      Path dir = root.resolve(name);
      for (int n = 2; ; n++) {
        try {
          Files.createDirectory(dir);
          break;
        } catch (java.nio.file.FileAlreadyExistsException e) {
          dir = root.resolve(name + "_" + n);
        }
      }
      SessionDir s = new SessionDir(dir);
      try {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      for (Path sub : List.of(s.nodes(), s.logs(), s.sockets(), s.spill())) {
        try {
          Files.createDirectories(
              sub,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
          Files.createDirectories(sub); // not a POSIX file system
        }
      }
      if (gcsAddress != null) {
        s.setGcsAddress(gcsAddress);
      }
      Path link = root.resolve(LATEST + ".tmp-" + ProcessHandle.current().pid());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, s.path.getFileName());
      Files.move(
          link,
          root.resolve(LATEST),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      return s;
    } catch (IOException e) {
      throw CliException.failure(
          "cannot create a session directory under "
              + root
              + ": "
              + e
              + "; give another root with --temp-dir");
    }
  }

  /**
   * Creates the root readable by this user only, or checks that an existing one is this user's and
   * closed to others: a root made by someone else (say, another user who created {@code
   * /tmp/prism-$USER} first) could let them read tokens or replace sockets.
   */
  static void createPrivate(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(dir); // not a POSIX file system
      }
      return;
    }
    try {
      if (!dev.prism.store.internal.PrivateFiles.ownedByMe(dir)) {
        String owner = Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName();
        throw new IOException(
            dir
                + " belongs to "
                + owner
                + ", not to this user ("
                + System.getProperty("user.name")
                + "); remove it, or give another root with"
                + " --temp-dir");
      }
      var perms = Files.getPosixFilePermissions(dir);
      if (perms.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
  }

  /**
   * Returns the newest session ({@code latest}), if there is one.
   *
   * @param root the root
   * @return the session
   */
  public static Optional<SessionDir> latest(Path root) {
    Path link = root.resolve(LATEST);
    try {
      if (Files.isSymbolicLink(link)) {
        Path target = root.resolve(Files.readSymbolicLink(link));
        if (Files.isDirectory(target)) {
          return Optional.of(new SessionDir(target));
        }
      }
    } catch (IOException e) {
      // no usable latest session
    }
    return Optional.empty();
  }

  /**
   * Returns every session under the root, oldest first.
   *
   * @param root the root
   * @return the sessions
   */
  public static List<SessionDir> all(Path root) {
    List<SessionDir> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "session_*")) {
      for (Path d : dirs) {
        if (Files.isDirectory(d) && !Files.isSymbolicLink(d)) {
          out.add(new SessionDir(d));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing(s -> s.path.getFileName().toString()));
    return out;
  }

  /** The node records' directory. */
  Path nodes() {
    return path.resolve("nodes");
  }

  /**
   * Returns the directory of the node processes' logs.
   *
   * @return {@code logs/}
   */
  public Path logs() {
    return path.resolve("logs");
  }

  /**
   * Returns the file of the cluster token.
   *
   * @return {@code cluster_token}
   */
  public Path tokenFile() {
    return path.resolve(dev.prism.runtime.security.ClusterToken.FILE_NAME);
  }

  /** The object stores' socket directory. */
  Path sockets() {
    return path.resolve("sockets");
  }

  /** The object stores' spill directory. */
  Path spill() {
    return path.resolve("spill");
  }

  /**
   * Returns the log file of a node process.
   *
   * @param name the record's name
   * @return {@code logs/<name>.log}
   */
  public Path logOf(String name) {
    return logs().resolve(name + ".log");
  }

  /**
   * Returns the session's GCS address.
   *
   * @return {@code host:port}, or empty when not recorded
   */
  public Optional<String> gcsAddress() {
    Properties p = read(path.resolve("session.properties"));
    return Optional.ofNullable(p.getProperty("gcs.address")).filter(a -> !a.isBlank());
  }

  /**
   * Records the session's GCS address.
   *
   * @param address {@code host:port}
   */
  public void setGcsAddress(String address) {
    Properties p = new Properties();
    p.setProperty("gcs.address", address);
    write(path.resolve("session.properties"), p);
  }

  /**
   * Writes (replaces) a node record, atomically.
   *
   * @param record the record
   */
  public void write(NodeRecord record) {
    write(nodes().resolve(record.name() + ".properties"), record.toProperties());
  }

  /**
   * Returns the session's node records, heads first.
   *
   * @return the records
   */
  public List<NodeRecord> records() {
    List<NodeRecord> out = new ArrayList<>();
    if (!Files.isDirectory(nodes())) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(nodes(), "*.properties")) {
      for (Path f : files) {
        out.add(NodeRecord.fromProperties(read(f)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing((NodeRecord r) -> !r.head()).thenComparing(NodeRecord::name));
    return out;
  }

  /**
   * Returns one node record.
   *
   * @param name the record's name
   * @return the record, or empty
   */
  public Optional<NodeRecord> record(String name) {
    Path f = nodes().resolve(name + ".properties");
    return Files.exists(f) ? Optional.of(NodeRecord.fromProperties(read(f))) : Optional.empty();
  }

  /**
   * Removes the store files a node process could not remove because it was killed: its
   * shared-memory file and socket as its record names them, and, when the caller saw the process
   * itself (else the pid may belong to another process by now), the files named after its pid
   * ({@code prism-<pid>-*}) in the store's directory, the session's sockets and its spill
   * directory.
   *
   * @param r the node's record
   * @param sawProcess whether the caller saw the record's process alive (its pid is still its own)
   * @return the paths removed
   */
  public List<Path> removeLeftovers(NodeRecord r, boolean sawProcess) {
    List<Path> files = new ArrayList<>();
    if (!r.storeShm().isEmpty()) {
      files.add(Path.of(r.storeShm()));
    }
    if (!r.storeSocket().isEmpty()) {
      files.add(Path.of(r.storeSocket()));
    }
    if (sawProcess && r.pid() > 0) {
      String prefix = "prism-" + r.pid() + "-";
      Path shmDir =
          r.storeShm().isEmpty() ? Path.of("/dev/shm") : Path.of(r.storeShm()).getParent();
      for (Path dir : List.of(shmDir, sockets(), spill())) {
        files.addAll(matching(dir, prefix));
      }
    }
    List<Path> removed = new ArrayList<>();
    for (Path f : files) {
      if (Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && deleteTree(f)) {
        removed.add(f);
      }
    }
    return removed;
  }

  private static List<Path> matching(Path dir, String prefix) {
    List<Path> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
      ds.forEach(out::add);
    } catch (IOException e) {
      // nothing to remove there
    }
    return out;
  }

  private static boolean deleteTree(Path p) {
    try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
      return true;
    } catch (IOException e) {
      System.err.println("prism: cannot remove " + p + ": " + e.getMessage());
      return false;
    }
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (IOException e) {
        // a record being replaced: read as empty, the caller polls again
      }
    }
    return p;
  }

  private static void write(Path file, Properties p) {
    Path tmp =
        file.resolveSibling(
            file.getFileName()
                + ".tmp-"
                + ProcessHandle.current().pid()
                + "-"
                + Thread.currentThread().threadId());
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, null);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
