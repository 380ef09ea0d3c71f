package dev.prism.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable configuration of a {@link StoreServer}. Build one with {@link #builder()}.
 *
 * @param capacity bytes of shared memory (the size of the file under {@link #shmDirectory()})
 * @param shmDirectory where the shared-memory file is created (a RAM-backed file system)
 * @param socketDirectory where the server's Unix domain socket is created: in this directory when
 *     only its owner, this user, can enter it, else in its sub-directory {@code prism-<user>} (made
 *     with mode 0700), so no other user can reach the socket
 * @param spillDirectory where primary copies are spilled when memory runs out; the server makes its
 *     own sub-directory there ({@code prism-<pid>-<random>.spill}) and removes it on close
 * @param defaultTimeout how long a create waits for space, and a get for a seal, when the caller
 *     gives no timeout
 */
public record StoreConfig(
    long capacity,
    Path shmDirectory,
    Path socketDirectory,
    Path spillDirectory,
    Duration defaultTimeout) {

  /** The smallest capacity the store accepts (1 MiB). */
  public static final long MIN_CAPACITY = 1L << 20;

  /**
   * Validates the configuration.
   *
   * @throws InvalidRequestException if a value is out of range
   */
  public StoreConfig {
    if (capacity < MIN_CAPACITY) {
      throw new InvalidRequestException(
          "store capacity must be at least " + MIN_CAPACITY + " bytes, got " + capacity);
    }
    Objects.requireNonNull(shmDirectory, "shmDirectory");
    Objects.requireNonNull(socketDirectory, "socketDirectory");
    Objects.requireNonNull(spillDirectory, "spillDirectory");
    Objects.requireNonNull(defaultTimeout, "defaultTimeout");
    if (defaultTimeout.isNegative()) {
      throw new InvalidRequestException(
          "defaultTimeout must not be negative, got " + defaultTimeout);
    }
  }

  /**
   * Returns a builder with the defaults: 256 MiB, {@code /dev/shm}, socket and spill files in
   * {@code java.io.tmpdir}, a 30 s default timeout.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link StoreConfig}. */
  public static final class Builder {
    private long capacity = 256L << 20;
    private Path shmDirectory = Path.of("/dev/shm");
    private Path socketDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private Path spillDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private Duration defaultTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Sets the capacity.
     *
     * @param bytes bytes of shared memory, at least {@link StoreConfig#MIN_CAPACITY}
     * @return this builder
     */
    public Builder capacity(long bytes) {
      this.capacity = bytes;
      return this;
    }

    /**
     * Sets the directory of the shared-memory file.
     *
     * @param dir a directory on a RAM-backed file system, normally {@code /dev/shm}
     * @return this builder
     */
    public Builder shmDirectory(Path dir) {
      this.shmDirectory = dir;
      return this;
    }

    /**
     * Sets the directory of the Unix domain socket (keep the path short: 107 bytes at most).
     *
     * @param dir the directory
     * @return this builder
     */
    public Builder socketDirectory(Path dir) {
      this.socketDirectory = dir;
      return this;
    }

    /**
     * Sets the spill directory.
     *
     * @param dir a directory on local disk
     * @return this builder
     */
    public Builder spillDirectory(Path dir) {
      this.spillDirectory = dir;
      return this;
    }

    /**
     * Sets the default timeout.
     *
     * @param timeout not negative
     * @return this builder
     */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws InvalidRequestException if a value is out of range
     */
    public StoreConfig build() {
      return new StoreConfig(
          capacity, shmDirectory, socketDirectory, spillDirectory, defaultTimeout);
    }
  }
}
