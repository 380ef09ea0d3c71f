package dev.prism.runtime.cli;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.state.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The connection the state commands ({@code list}, {@code summary}, {@code timeline}, {@code
 * logs}), {@code job} and {@code status} open with their {@link ClusterOptions}: the address given,
 * else {@code PRISM_ADDRESS}, else the latest session's head; the token found as {@link
 * ClusterTokens} finds it.
 */
final class StateConnection implements AutoCloseable {

  private static final Duration RPC_TIMEOUT = Duration.ofSeconds(10);

  private final GcsClient gcs;
  private final ClusterToken token;
  private final ClusterState state;
  private final String address;

  private StateConnection(GcsClient gcs, ClusterToken token, String address) {
    this.gcs = gcs;
    this.token = token;
    this.address = address;
    this.state = new ClusterState(gcs, token, RPC_TIMEOUT);
  }

  /**
   * Connects to the cluster the options name.
   *
   * @throws CliException (failure) when no cluster answers or the token is refused
   */
  static StateConnection open(ClusterOptions o, Map<String, String> env) {
    Checked c = connectChecked(o, env, RPC_TIMEOUT);
    return new StateConnection(
        c.gcs(),
        c.token().map(ClusterTokens.Found::token).orElseGet(ClusterToken::generate),
        c.address());
  }

  /**
   * A GCS that answered and took the token.
   *
   * @param address its address
   * @param token the token found, if any
   * @param gcs the open client (the caller closes it)
   */
  record Checked(String address, Optional<ClusterTokens.Found> token, GcsClient gcs) {}

  /**
   * Connects to the GCS the options name (else {@code PRISM_ADDRESS}, else the latest session's),
   * with the token found as {@code status} finds it, and checks that it answers.
   *
   * @throws CliException (failure) when no cluster answers or the token is refused
   */
  static Checked connectChecked(ClusterOptions o, Map<String, String> env, Duration timeout) {
    Path root = SessionDir.root(o.tempDir());
    String address = o.address().orElseGet(() -> Cli.resolveAddress(env, root));
    ClusterTokens.adoptSessionTls(root, address);
    try {
      Optional<ClusterTokens.Found> token = ClusterTokens.find(o.tokenFile(), env, root, address);
      GcsClient gcs = ClusterTokens.connectChecked(address, token, root, "this command's", timeout);
      return new Checked(address, token, gcs);
    } catch (SecurityConfigException e) {
      throw CliException.failure(e.getMessage());
    } catch (RuntimeException e) {
      throw CliException.failure(
          "no Prism cluster answers at "
              + address
              + " ("
              + e.getMessage()
              + "); is its head running? start one with 'prism start --head'");
    }
  }

  /** The open GCS client. */
  GcsClient gcs() {
    return gcs;
  }

  /** The cluster token this connection presents. */
  ClusterToken token() {
    return token;
  }

  /** The cluster's state. */
  ClusterState state() {
    return state;
  }

  /** The GCS's address. */
  String address() {
    return address;
  }

  @Override
  public void close() {
    gcs.close();
  }
}
