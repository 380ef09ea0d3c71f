package dev.prism.runtime.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of {@code prism start}, parsed and validated. The node process ({@link NodeMain}) is
 * started with the same options ({@link #toArgs()}), plus the node id and session directory the
 * command chose, so a node started by the command line and one started by a test through {@link
 * NodeLauncher} go through one code path.
 *
 * @param head whether this is the head ({@code --head}): GCS plus node manager
 * @param address the GCS to join ({@code --address HOST:PORT}), empty for the head
 * @param host the address to bind and advertise ({@code --host}/{@code --node-ip}); empty: the
 *     loopback address for the head, the local address that reaches the GCS for other nodes
 * @param port the GCS port of the head ({@code --port}, default {@value #DEFAULT_PORT}, 0 for any
 *     free port)
 * @param nodeManagerPort the node manager's port ({@code --node-manager-port}, default 0: any)
 * @param numCpus the CPUs offered ({@code --num-cpus}); empty: this machine's processors
 * @param numGpus logical GPUs ({@code --num-gpus}); empty: discovered through CUDA
 * @param resources custom resources ({@code --resources '{"name": amount}'})
 * @param objectStoreMemory the store's bytes ({@code --object-store-memory}); empty: default
 * @param codeSearchPath class path entries added to the workers' class path ({@code
 *     --code-search-path}): where drivers' task and actor classes are found
 * @param tempDir the root of session directories ({@code --temp-dir}); empty: the default of {@link
 *     SessionDir#defaultRoot()}
 * @param timeout how long {@code start} waits for the node to come up ({@code --timeout})
 * @param nodeId the node id (set by the command for the node process; empty: random)
 * @param sessionDir the session directory (set by the command for the node process)
 * @param tokenFile the cluster token's file ({@code --token-file}): for a joining node the head's
 *     token (else found as {@link ClusterTokens} says), for a head the token to use instead of a
 *     fresh random one
 * @param workerHeap the workers' maximum heap in bytes ({@code --worker-heap}); empty: the node
 *     manager's default worker JVM options
 * @param tls TLS between the cluster's processes ({@code --tls}, {@code --tls-cert}, {@code
 *     --tls-key}, {@code --tls-ca})
 * @param httpPort the port of the node's HTTP server: for a head the dashboard's ({@code
 *     --dashboard-port}; it serves the API and {@code /metrics} too), for another node its metrics
 *     endpoint's ({@code --metrics-port}); {@link #DEFAULT_HTTP_PORT} for the default: {@value
 *     #DEFAULT_DASHBOARD_PORT} for a head (any free port when that one is taken), any free port for
 *     a node
 * @param labels the node's labels ({@code --labels key=value,...}), without the {@code prism.io/}
 *     ones every node gets
 */
public record StartOptions(
    boolean head,
    Optional<String> address,
    Optional<String> host,
    int port,
    int nodeManagerPort,
    Optional<Integer> numCpus,
    Optional<Integer> numGpus,
    Map<String, Double> resources,
    Optional<Long> objectStoreMemory,
    Optional<String> codeSearchPath,
    Optional<Path> tempDir,
    Duration timeout,
    Optional<String> nodeId,
    Optional<Path> sessionDir,
    Optional<Path> tokenFile,
    Optional<Long> workerHeap,
    TlsOptions tls,
    int httpPort,
    Map<String, String> labels) {

  /** The head's default GCS port, Ray's. */
  public static final int DEFAULT_PORT = 6379;

  /** The head's default dashboard port, Ray's. */
  public static final int DEFAULT_DASHBOARD_PORT = 8265;

  /** {@link #httpPort()} when no port was given. */
  public static final int DEFAULT_HTTP_PORT = -1;

  /** How long {@code start} waits for a node by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

  /** Validates and copies. */
  public StartOptions {
    resources = Map.copyOf(resources);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    tls = tls == null ? TlsOptions.NONE : tls;
    if (head == address.isPresent()) {
      throw CliException.usage(
          head
              ? "start: give either --head or --address, not both"
              : "start: give --head to start a cluster here, or --address HOST:PORT to join one");
    }
  }

  /**
   * Parses {@code prism start}'s arguments.
   *
   * @param args the arguments after {@code start}
   * @return the options
   * @throws CliException (usage) naming the bad option
   */
  public static StartOptions parse(List<String> args) {
    return StartCommand.parse(args, false);
  }

  /**
   * Parses the node process's arguments: {@code start}'s, plus {@code --node-id} and {@code
   * --session-dir}.
   *
   * @param args the arguments
   * @return the options
   * @throws CliException (usage) naming the bad option
   */
  static StartOptions parseForNode(List<String> args) {
    return StartCommand.parse(args, true);
  }

  /**
   * Checks a {@code HOST:PORT} address.
   *
   * @param address the value
   * @return the address, trimmed
   * @throws CliException (usage) if it is not {@code HOST:PORT} with a port from 1 to 65535
   */
  static String checkAddress(String address) {
    String a = address.trim();
    Matcher m = HOST_PORT.matcher(a);
    if (!m.matches()
        || Integer.parseInt(m.group(2)) < 1
        || Integer.parseInt(m.group(2)) > 65535
        || m.group(1).isBlank()) {
      throw CliException.usage(
          "--address '"
              + address
              + "' is not HOST:PORT; give the head's"
              + " address as 'prism start --head' printed it, e.g. 127.0.0.1:6379");
    }
    return a;
  }

  /**
   * Returns these options as arguments for the node process (with its node id and session).
   *
   * @param nodeId the node's id
   * @param session the session directory
   * @return the arguments
   */
  List<String> toArgs(String nodeId, Path session) {
    List<String> out = new ArrayList<>();
    if (head) {
      out.add("--head");
      out.add("--port=" + port);
    } else {
      out.add("--address=" + address.orElseThrow());
    }
    host.ifPresent(h -> out.add("--host=" + h));
    out.add("--node-manager-port=" + nodeManagerPort);
    if (httpPort != DEFAULT_HTTP_PORT) {
      out.add((head ? "--dashboard-port=" : "--metrics-port=") + httpPort);
    }
    numCpus.ifPresent(n -> out.add("--num-cpus=" + n));
    numGpus.ifPresent(n -> out.add("--num-gpus=" + n));
    if (!resources.isEmpty()) {
      out.add("--resources=" + ResourcesJson.write(resources));
    }
    if (!labels.isEmpty()) {
      List<String> pairs = new ArrayList<>();
      new java.util.TreeMap<>(labels).forEach((k, v) -> pairs.add(k + "=" + v));
      out.add("--labels=" + String.join(",", pairs));
    }
    objectStoreMemory.ifPresent(b -> out.add("--object-store-memory=" + b));
    workerHeap.ifPresent(b -> out.add("--worker-heap=" + b));
    codeSearchPath.ifPresent(c -> out.add("--code-search-path=" + c));
    out.add("--node-id=" + nodeId);
    out.add("--session-dir=" + session);
    return out;
  }
}
