package dev.prism.runtime.cli;

import dev.prism.runtime.security.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code prism start}'s TLS options: {@code --tls} (on; for a head without files, generate a
 * certificate for the cluster) and the files {@code --tls-cert}, {@code --tls-key}, {@code
 * --tls-ca} (all three or none). Without them, the variables of {@link TlsConfig} decide.
 *
 * @param on {@code --tls}
 * @param cert {@code --tls-cert}
 * @param key {@code --tls-key}
 * @param ca {@code --tls-ca}
 */
public record TlsOptions(boolean on, Optional<Path> cert, Optional<Path> key, Optional<Path> ca) {

  /** No TLS options. */
  public static final TlsOptions NONE =
      new TlsOptions(false, Optional.empty(), Optional.empty(), Optional.empty());

  /**
   * The TLS files a node started with these options uses.
   *
   * @param env the command's environment
   * @param headSession the head's session directory, where a generated certificate goes; empty for
   *     a joining node
   * @return the files, or empty for plain text
   * @throws CliException when only some files are given, a file cannot be read, or {@code --tls} is
   *     given to a joining node without files
   */
  Optional<TlsConfig> resolve(Map<String, String> env, Optional<Path> headSession) {
    return resolve(env, headSession, List.of());
  }

  /**
   * As {@link #resolve(Map, Optional)}; a certificate generated for a head also names {@code
   * headAddresses}, so that browsers accept its HTTPS dashboard there once they trust the CA.
   */
  Optional<TlsConfig> resolve(
      Map<String, String> env, Optional<Path> headSession, List<String> headAddresses) {
    int given = (cert.isPresent() ? 1 : 0) + (key.isPresent() ? 1 : 0) + (ca.isPresent() ? 1 : 0);
    try {
      if (given == 3) {
        return Optional.of(new TlsConfig(cert.get(), key.get(), ca.get()));
      }
      if (given > 0) {
        throw CliException.usage(
            "start: TLS needs all of --tls-cert, --tls-key and --tls-ca (PEM files)");
      }
      Optional<TlsConfig> fromEnv = TlsConfig.fromEnvironment(env);
      if (fromEnv.isPresent() || !on) {
        return fromEnv;
      }
      if (headSession.isPresent()) {
        return Optional.of(TlsConfig.generate(headSession.get(), headAddresses));
      }
      throw CliException.usage(
          "start: --tls on a joining node needs the cluster's TLS files: copy the head's session"
              + " files "
              + TlsConfig.CERT_FILE
              + ", "
              + TlsConfig.KEY_FILE
              + " and "
              + TlsConfig.CA_FILE
              + " here (with the token) and give them with --tls-cert, --tls-key and --tls-ca"
              + " (or "
              + TlsConfig.ENV_CERT
              + ", "
              + TlsConfig.ENV_KEY
              + ", "
              + TlsConfig.ENV_CA
              + ")");
    } catch (dev.prism.runtime.security.SecurityConfigException e) {
      throw CliException.failure(e.getMessage());
    }
  }
}
