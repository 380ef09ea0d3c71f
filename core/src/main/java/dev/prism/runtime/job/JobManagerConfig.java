package dev.prism.runtime.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link JobManager} runs jobs.
 *
 * @param directory where uploaded files ({@code files/}) and drivers' logs ({@code logs/}) go: a
 *     directory of the head's session, created readable by its owner only
 * @param maxUploadBytes the largest file an upload may have, positive
 * @param javaExecutable the {@code java} launcher of drivers (the head's own)
 * @param jvmFlags the JVM flags every driver gets before its class path
 * @param classpath Prism's class path (the head's); a job's jars are appended to it
 * @param driverEnvironment variables every driver gets (how it finds the cluster's token and TLS
 *     files); {@code PRISM_ADDRESS} and the job's variables are added per job
 * @param stopGrace how long a stopped driver has to exit after SIGTERM before it is killed
 */
public record JobManagerConfig(
    Path directory,
    long maxUploadBytes,
    Path javaExecutable,
    List<String> jvmFlags,
    String classpath,
    Map<String, String> driverEnvironment,
    Duration stopGrace) {

  /** The default upload limit: 256 MiB per file. */
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 256L << 20;

  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if the limit is not positive or the grace negative
   */
  public JobManagerConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(javaExecutable, "javaExecutable");
    jvmFlags = List.copyOf(jvmFlags);
    Objects.requireNonNull(classpath, "classpath");
    driverEnvironment = Map.copyOf(driverEnvironment);
    Objects.requireNonNull(stopGrace, "stopGrace");
    if (maxUploadBytes <= 0) {
      throw new IllegalArgumentException("maxUploadBytes must be positive, was " + maxUploadBytes);
    }
    if (stopGrace.isNegative()) {
      throw new IllegalArgumentException("stopGrace must not be negative, was " + stopGrace);
    }
  }
}
