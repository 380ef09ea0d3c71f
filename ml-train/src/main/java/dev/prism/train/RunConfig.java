package dev.prism.train;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a run keeps its results and checkpoints, and how it treats failures: as Ray's {@code
 * RunConfig}. A run's files are under {@code storagePath/name}; running again with the same name
 * and path resumes from the latest checkpoint there. Every worker writes checkpoints there, so on
 * several machines the path must be on storage they all share.
 *
 * @param name the run's name (a directory name)
 * @param storagePath the directory that holds runs
 * @param checkpointConfig which checkpoints to keep
 * @param failureConfig how many restarts to allow
 */
public record RunConfig(
    String name, Path storagePath, CheckpointConfig checkpointConfig, FailureConfig failureConfig) {

  /**
   * Checks the fields.
   *
   * @param name the run's name
   * @param storagePath the storage directory
   * @param checkpointConfig the checkpoint policy
   * @param failureConfig the failure policy
   */
  public RunConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(storagePath, "storagePath");
    Objects.requireNonNull(checkpointConfig, "checkpointConfig");
    Objects.requireNonNull(failureConfig, "failureConfig");
    if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "RunConfig.name is '"
              + name
              + "'; give a plain directory name (no slashes, no leading dot)");
    }
    storagePath = storagePath.toAbsolutePath().normalize();
  }

  /**
   * A builder: storage under {@code ~/prism_results}, all checkpoints kept, no restarts.
   *
   * @param name the run's name
   * @return the builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * The run's own directory, {@code storagePath/name}.
   *
   * @return the directory
   */
  public Path runDirectory() {
    return storagePath.resolve(name);
  }

  /** Builds a {@link RunConfig}. */
  public static final class Builder {
    private final String name;
    private Path storagePath = Path.of(System.getProperty("user.home"), "prism_results");
    private CheckpointConfig checkpoints = CheckpointConfig.keepAll();
    private FailureConfig failures = new FailureConfig(0);

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Sets the storage directory.
     *
     * @param path the directory (created if missing)
     * @return this builder
     */
    public Builder storagePath(Path path) {
      this.storagePath = path;
      return this;
    }

    /**
     * Sets which checkpoints to keep.
     *
     * @param config the policy
     * @return this builder
     */
    public Builder checkpointConfig(CheckpointConfig config) {
      this.checkpoints = config;
      return this;
    }

    /**
     * Sets how many restarts to allow.
     *
     * @param maxFailures 0 for none, -1 for no limit
     * @return this builder
     */
    public Builder maxFailures(int maxFailures) {
      this.failures = new FailureConfig(maxFailures);
      return this;
    }

    /**
     * Builds and checks the config.
     *
     * @return the config
     */
    public RunConfig build() {
      return new RunConfig(name, storagePath, checkpoints, failures);
    }
  }
}
