package dev.prism.runtime.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options that name a cluster and its token, shared by {@code status}, {@code job}, {@code
 * list}, {@code summary}, {@code timeline} and {@code logs}: {@code --address}, {@code --temp-dir},
 * {@code --token-file}. {@link StateConnection} resolves them into a connection.
 */
final class ClusterOptions {

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      converter = OptionTypes.Address.class,
      description =
          "the head's GCS (default: $PRISM_ADDRESS, else the head of the latest session started"
              + " on this machine)")
  String address;

  @Option(
      names = "--temp-dir",
      paramLabel = "DIR",
      converter = OptionTypes.AbsolutePath.class,
      description = "root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)")
  Path tempDir;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      converter = OptionTypes.AbsolutePath.class,
      description =
          "the cluster token (default: $PRISM_CLUSTER_TOKEN, $PRISM_CLUSTER_TOKEN_FILE, else that"
              + " cluster's session here)")
  Path tokenFile;

  /** The {@code --address} given, if any. */
  Optional<String> address() {
    return Optional.ofNullable(address);
  }

  /** The {@code --temp-dir} given, if any. */
  Optional<Path> tempDir() {
    return Optional.ofNullable(tempDir);
  }

  /** The {@code --token-file} given, if any. */
  Optional<Path> tokenFile() {
    return Optional.ofNullable(tokenFile);
  }
}
