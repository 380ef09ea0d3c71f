package dev.prism.runtime.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Content-addressed files (a job's jars): each is stored once, as {@code <sha-256>.jar} in one
 * directory that only its owner may enter, each file readable by its owner only. Uploads are
 * verified against the hash and size they announce and refused over a size limit; a half-written
 * upload never appears under its final name. Thread safe.
 */
public final class FileStore {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path directory;
  private final long maxFileBytes;

  /**
   * Opens (creating it if needed) a store.
   *
   * @param directory where the files live (created with mode 0700)
   * @param maxFileBytes the largest file accepted, positive
   * @throws JobException if the directory cannot be created
   */
  public FileStore(Path directory, long maxFileBytes) {
    if (maxFileBytes <= 0) {
      throw new IllegalArgumentException("maxFileBytes must be positive, was " + maxFileBytes);
    }
    this.directory = directory;
    this.maxFileBytes = maxFileBytes;
    createPrivateDirectory(directory);
  }

  /** Creates a directory (and its parents) that only its owner may read or enter. */
  static void createPrivateDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
      try {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
    } catch (IOException e) {
      throw new JobException(
          JobException.Kind.FAILED, "cannot create the directory " + dir + ": " + e, e);
    }
  }

  /**
   * Creates an empty file readable and writable by its owner only.
   *
   * @param file the file, which must not exist
   * @throws IOException if it cannot be created
   */
  static void createPrivateFile(Path file) throws IOException {
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
  }

  /**
   * Returns the hex sha-256 of a file.
   *
   * @param file the file
   * @return 64 lower-case hex digits
   * @throws IOException if it cannot be read
   */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = newDigest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * Packs every file under {@code dir} into a jar, entries sorted by path and timestamps fixed, so
   * that the same files give the same bytes (and sha-256) wherever and whenever they are packed.
   *
   * @param dir the directory
   * @param jar the jar to write (replaced)
   * @throws IOException if a file cannot be read or the jar written
   */
  public static void packDirectory(Path dir, Path jar) throws IOException {
    java.util.List<Path> files;
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (OutputStream o = Files.newOutputStream(jar);
        java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(o)) {
      for (Path f : files) {
        java.util.jar.JarEntry e =
            new java.util.jar.JarEntry(dir.relativize(f).toString().replace('\\', '/'));
        e.setTime(0);
        j.putNextEntry(e);
        Files.copy(f, j);
        j.closeEntry();
      }
    }
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /**
   * Fails unless {@code hash} looks like a sha-256 in lower-case hex.
   *
   * @param hash the hash
   * @return the hash
   * @throws JobException (INVALID) if it does not
   */
  public static String checkHash(String hash) {
    if (hash == null || !SHA256.matcher(hash).matches()) {
      throw new JobException(
          JobException.Kind.INVALID,
          "'" + hash + "' is not a sha-256 hash (64 lower-case hex digits)");
    }
    return hash;
  }

  /**
   * Returns the largest file accepted.
   *
   * @return bytes
   */
  public long maxFileBytes() {
    return maxFileBytes;
  }

  /**
   * Returns the stored file of a hash.
   *
   * @param hash the file's sha-256
   * @return its path, or empty when it is not stored
   */
  public Optional<Path> path(String hash) {
    Path p = directory.resolve(checkHash(hash) + ".jar");
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /**
   * Starts an upload.
   *
   * @param hash the sha-256 the bytes must have
   * @param size how many bytes will come
   * @return the upload: write the bytes, then finish (or abort)
   * @throws JobException TOO_LARGE over the limit, INVALID for a bad hash or size
   */
  public Upload begin(String hash, long size) {
    checkHash(hash);
    if (size < 0) {
      throw new JobException(JobException.Kind.INVALID, "a file's size cannot be " + size);
    }
    if (size > maxFileBytes) {
      throw new JobException(
          JobException.Kind.TOO_LARGE,
          "the file "
              + hash
              + " is "
              + size
              + " bytes, over the head's upload limit of "
              + maxFileBytes
              + " bytes; make the job's jars smaller, or start the head with a larger "
              + JobManager.ENV_MAX_UPLOAD_BYTES);
    }
    return new Upload(hash, size);
  }

  /**
   * Stores the bytes of a stream.
   *
   * @param hash the sha-256 they must have
   * @param size how many bytes there are
   * @param in the bytes
   * @return whether the file was stored already
   * @throws JobException as {@link #begin} and {@link Upload#finish}
   * @throws IOException if the stream fails
   */
  public boolean put(String hash, long size, InputStream in) throws IOException {
    Upload u = begin(hash, size);
    try {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        u.write(buf, 0, n);
      }
      return u.finish();
    } finally {
      u.abort();
    }
  }

  /** One upload in progress. Not thread safe; abort it if it is not finished. */
  public final class Upload {
    private final String hash;
    private final long size;
    private final MessageDigest digest = newDigest();
    private Path tmp;
    private OutputStream out;
    private long written;
    private boolean done;

    private Upload(String hash, long size) {
      this.hash = hash;
      this.size = size;
    }

    /**
     * Adds bytes.
     *
     * @param data the buffer
     * @param off where they start
     * @param len how many
     * @throws JobException TOO_LARGE beyond the announced size
     */
    public void write(byte[] data, int off, int len) {
      if (written + len > size) {
        throw new JobException(
            JobException.Kind.TOO_LARGE,
            "the upload of " + hash + " sent more than the " + size + " bytes it announced");
      }
      try {
        if (out == null) {
          tmp =
              directory.resolve(
                  ".upload-"
                      + hash
                      + "-"
                      + Long.toHexString(ThreadLocalRandom.current().nextLong()));
          createPrivateFile(tmp);
          out = Files.newOutputStream(tmp);
        }
        out.write(data, off, len);
      } catch (IOException e) {
        throw new JobException(JobException.Kind.FAILED, "cannot store " + hash + ": " + e, e);
      }
      digest.update(data, off, len);
      written += len;
    }

    /**
     * Verifies the bytes and stores the file under its hash.
     *
     * @return whether it was stored already (the new copy is dropped)
     * @throws JobException INVALID when the size or hash does not match
     */
    public boolean finish() {
      done = true;
      try {
        if (out != null) {
          out.close();
        } else {
          tmp = directory.resolve(".upload-" + hash + "-empty");
          Files.deleteIfExists(tmp);
          createPrivateFile(tmp);
        }
        if (written != size) {
          throw new JobException(
              JobException.Kind.INVALID,
              "the upload of " + hash + " ended after " + written + " of " + size + " bytes");
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(hash)) {
          throw new JobException(
              JobException.Kind.INVALID,
              "the uploaded bytes have the sha-256 " + actual + ", not " + hash);
        }
        Path target = directory.resolve(hash + ".jar");
        if (Files.exists(target)) {
          return true;
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          return true;
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target);
        }
        return false;
      } catch (IOException e) {
        throw new JobException(JobException.Kind.FAILED, "cannot store " + hash + ": " + e, e);
      } finally {
        abort();
      }
    }

    /** Drops what was written unless it was stored. Idempotent. */
    public void abort() {
      done = true;
      try {
        if (out != null) {
          out.close();
        }
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException e) {
        // nothing more to do: a leftover temporary file is never read
      }
    }

    /**
     * Whether it is finished or aborted.
     *
     * @return true once done
     */
    public boolean isDone() {
      return done;
    }
  }
}
