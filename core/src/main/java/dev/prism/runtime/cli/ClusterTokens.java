package dev.prism.runtime.cli;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.net.TlsProbe;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.security.TlsConfig;
import dev.prism.runtime.security.TokenAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the cluster token of a cluster for a process that joins it (a node started with {@code
 * prism start --address}, a driver, {@code prism status}). In order:
 *
 * <ol>
 *   <li>the file given explicitly ({@code --token-file FILE});
 *   <li>the environment variable {@value ClusterToken#ENV} (the token itself);
 *   <li>the environment variable {@value ClusterToken#ENV_FILE} (a file holding it);
 *   <li>the token of a GCS that this JVM itself serves at that address (an embedded cluster);
 *   <li>the {@code cluster_token} file of the newest session directory on this machine whose GCS
 *       address is the cluster's (the head's session, or that of a node that joined it);
 *   <li>the {@code cluster_token} file of the newest session whose GCS is the same port on this
 *       machine under another local name ({@code localhost} for {@code 127.0.0.1}).
 * </ol>
 *
 * <p>A token is never sent to an address that no session names as its own cluster: that would hand
 * this machine's cluster to whoever listens there.
 */
public final class ClusterTokens {

  private ClusterTokens() {}

  /**
   * A token and where it came from (for messages).
   *
   * @param token the token
   * @param source e.g. "the file /tmp/prism-me/session_.../cluster_token"
   */
  public record Found(ClusterToken token, String source) {}

  /**
   * Finds the token of the cluster at {@code address}.
   *
   * @param tokenFile the explicit file, if any
   * @param env the environment
   * @param root the root of session directories
   * @param address the cluster's GCS address
   * @return the token, or empty when none of the places has one
   * @throws SecurityConfigException if a given file or variable holds no valid token
   */
  public static Optional<Found> find(
      Optional<Path> tokenFile, Map<String, String> env, Path root, String address) {
    if (tokenFile.isPresent()) {
      return Optional.of(
          new Found(ClusterToken.readFrom(tokenFile.get()), "--token-file " + tokenFile.get()));
    }
    String text = env.get(ClusterToken.ENV);
    if (text != null && !text.isBlank()) {
      return Optional.of(
          new Found(
              ClusterToken.of(text, ClusterToken.ENV),
              "the environment variable " + ClusterToken.ENV));
    }
    String file = env.get(ClusterToken.ENV_FILE);
    if (file != null && !file.isBlank()) {
      Path p = Path.of(file.strip());
      return Optional.of(new Found(ClusterToken.readFrom(p), ClusterToken.ENV_FILE + "=" + p));
    }
    Optional<ClusterToken> own = GcsServer.tokenServedAt(address);
    if (own.isPresent()) {
      return Optional.of(new Found(own.get(), "the GCS this process runs at " + address));
    }
    List<SessionDir> sessions = SessionDir.all(root);
    for (SessionDir s : sessions.reversed()) {
      if (s.gcsAddress().map(address::equals).orElse(false) && Files.exists(s.tokenFile())) {
        return Optional.of(
            new Found(ClusterToken.readFrom(s.tokenFile()), "the session file " + s.tokenFile()));
      }
    }
    // The same cluster named another way on this machine (localhost vs 127.0.0.1): same port,
    // both addresses local. A token is never sent to a cluster that is not known to be its own.
    for (SessionDir s : sessions.reversed()) {
      if (s.gcsAddress().map(a -> sameLocalCluster(address, a)).orElse(false)
          && Files.exists(s.tokenFile())) {
        return Optional.of(
            new Found(ClusterToken.readFrom(s.tokenFile()), "the session file " + s.tokenFile()));
      }
    }
    return Optional.empty();
  }

  /**
   * Makes this process use the TLS files of the cluster at {@code address} when it has none of its
   * own ({@link TlsConfig#process()}) and a session of that cluster on this machine keeps them (a
   * node started here with TLS copies them into its session): a driver or {@code prism status} on a
   * machine with a TLS node needs no TLS settings of its own.
   *
   * @param root the root of session directories
   * @param address the cluster's GCS address
   * @return the files this process now uses, if any
   */
  public static Optional<TlsConfig> adoptSessionTls(Path root, String address) {
    Optional<TlsConfig> own = TlsConfig.process();
    if (own.isPresent()) {
      return own;
    }
    for (SessionDir s : SessionDir.all(root).reversed()) {
      if (s.gcsAddress()
          .map(a -> a.equals(address) || sameLocalCluster(address, a))
          .orElse(false)) {
        Optional<TlsConfig> found = TlsConfig.inDirectory(s.path());
        if (found.isPresent()) {
          TlsConfig.useForThisProcess(found);
          return found;
        }
      }
    }
    return Optional.empty();
  }

  /** Whether two GCS addresses name the same port on this machine (loopback or own names). */
  static boolean sameLocalCluster(String a, String b) {
    int ca = a.lastIndexOf(':');
    int cb = b.lastIndexOf(':');
    if (ca <= 0 || cb <= 0 || !a.substring(ca + 1).equals(b.substring(cb + 1))) {
      return false;
    }
    return isLocal(a.substring(0, ca)) && isLocal(b.substring(0, cb));
  }

  private static boolean isLocal(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equals("localhost") || h.equals("127.0.0.1") || h.equals("::1")) {
      return true;
    }
    try {
      java.net.InetAddress address = java.net.InetAddress.getByName(h);
      return address.isLoopbackAddress()
          || java.net.NetworkInterface.getByInetAddress(address) != null;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Finds the token of the cluster at {@code address} or fails saying where it looked.
   *
   * @param tokenFile the explicit file, if any
   * @param env the environment
   * @param root the root of session directories
   * @param address the cluster's GCS address
   * @return the token
   * @throws SecurityConfigException if there is none, or a given one is invalid
   */
  public static Found require(
      Optional<Path> tokenFile, Map<String, String> env, Path root, String address) {
    return find(tokenFile, env, root, address).orElseThrow(() -> missing(root, address));
  }

  /**
   * The failure for a cluster whose token was found nowhere.
   *
   * @param root the root of session directories that was searched
   * @param address the cluster's GCS address
   * @return the exception, saying where to get the token and how to give it
   */
  public static SecurityConfigException missing(Path root, String address) {
    return new SecurityConfigException(
        "no cluster token for the cluster at "
            + address
            + ": none was given and no session under "
            + root
            + " has one; copy the head's "
            + ClusterToken.FILE_NAME
            + " file (in its session directory) to this machine and give"
            + " it with --token-file FILE or "
            + ClusterToken.ENV_FILE
            + "=FILE (or the token"
            + " itself in "
            + ClusterToken.ENV
            + ")");
  }

  /**
   * Connects to the GCS at {@code address} with the token found (or, when none was, a random one,
   * so that an unreachable cluster is told apart from a missing token) and checks that it answers.
   *
   * @param address the cluster's GCS address
   * @param token the token found, if any
   * @param root the root of session directories that was searched
   * @param who "this node's", "this driver's", ... for the refusal message
   * @param timeout the call's deadline
   * @return a connected client; close it
   * @throws SecurityConfigException if the cluster refuses the token (or none was found)
   * @throws dev.prism.runtime.gcs.GcsException if the cluster does not answer
   */
  public static GcsClient connectChecked(
      String address, Optional<Found> token, Path root, String who, java.time.Duration timeout) {
    GcsClient client =
        GcsClient.connect(
            address, timeout, token.map(Found::token).orElseGet(ClusterToken::generate));
    try {
      client.getAllNodes();
      return client;
    } catch (RuntimeException e) {
      client.close();
      if (TokenAuth.isRefusal(e)) {
        throw token.isEmpty()
            ? missing(root, address)
            : new SecurityConfigException(refusedMessage(who, address, token.get()), e);
      }
      Optional<String> tls = TlsProbe.explain(address, who.replace("'s", ""), e);
      if (tls.isPresent()) {
        throw new SecurityConfigException(tls.get(), e);
      }
      throw e;
    }
  }

  /**
   * The message for a cluster that refused a token.
   *
   * @param who "this node's", "this driver's", ...
   * @param address the cluster's GCS address
   * @param found the token presented and its source
   * @return the message
   */
  public static String refusedMessage(String who, String address, Found found) {
    return "the cluster at "
        + address
        + " refused "
        + who
        + " token (from "
        + found.source()
        + "): it is not the cluster's token; give the head's "
        + ClusterToken.FILE_NAME
        + " file (in the head's session directory) with --token-file FILE or "
        + ClusterToken.ENV_FILE
        + "=FILE";
  }
}
