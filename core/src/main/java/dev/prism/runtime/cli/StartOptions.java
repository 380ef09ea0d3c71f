package dev.prism.runtime.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
    int httpPort) {

  /** The head's default GCS port, Ray's. */
  public static final int DEFAULT_PORT = 6379;

  /** The head's default dashboard port, Ray's. */
  public static final int DEFAULT_DASHBOARD_PORT = 8265;

  /** {@link #httpPort()} when no port was given. */
  public static final int DEFAULT_HTTP_PORT = -1;

  /** How long {@code start} waits for a node by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");
  private static final Pattern BYTES =
      Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

  /** The help text of {@code prism start}. */
  public static final String HELP =
      """
      usage: prism start --head [options]              start a cluster's head (GCS + node) here
             prism start --address HOST:PORT [options] start a node here that joins a cluster
      options:
        --port N                the head's GCS port (default 6379; 0: any free port)
        --host IP, --node-ip IP the address to bind and advertise (default for the head:
                                127.0.0.1; for a node: the local address that reaches the head)
        --node-manager-port N   the node manager's port (default 0: any free port)
        --dashboard-port N      the head's dashboard, REST API and /metrics (default 8265,
                                or any free port when 8265 is taken; 0: any free port)
        --metrics-port N        a node's /metrics endpoint (default 0: any free port)
        --num-cpus N            CPUs offered to tasks (default: this machine's processors)
        --num-gpus N            logical GPUs (default: discovered through CUDA, else none)
        --resources JSON        custom resources, e.g. '{"accelerator": 1, "disk": 2.5}'
        --object-store-memory B the object store's size in bytes (suffixes k, m, g: 2g)
        --worker-heap B         the workers' maximum heap (suffixes k, m, g: 512m)
        --code-search-path CP   class path entries added to the workers' class path, where
                                your drivers' task and actor classes are found
        --temp-dir DIR          root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)
        --timeout SECONDS       how long to wait for the node to come up (default 60)
        --token-file FILE       the cluster token: for a joining node, a copy of the head's
                                session file cluster_token (default: $PRISM_CLUSTER_TOKEN,
                                $PRISM_CLUSTER_TOKEN_FILE, else the session of that cluster
                                on this machine); for a head, a token to use instead of a
                                new random one
        --tls                   TLS between the cluster's processes: for a head without the
                                files below, generates a certificate for the cluster into its
                                session directory (tls_cert.pem, tls_key.pem, tls_ca.pem);
                                every node and driver then needs copies of those files
        --tls-cert FILE         this node's certificate (PEM); with --tls-key and --tls-ca
        --tls-key FILE          its private key (PEM, PKCS#8)
        --tls-ca FILE           the authority peers' certificates must be signed by (PEM)
                                (default for all three: $PRISM_TLS_CERT, $PRISM_TLS_KEY,
                                $PRISM_TLS_CA)
      """;

  /** Validates and copies. */
  public StartOptions {
    resources = Map.copyOf(resources);
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
    return parse(args, false);
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
    return parse(args, true);
  }

  private static StartOptions parse(List<String> list, boolean node) {
    Args args = new Args("start", list);
    boolean head = false;
    String address = null;
    String host = null;
    int port = -1;
    int nmPort = 0;
    Integer cpus = null;
    Integer gpus = null;
    Map<String, Double> resources = new LinkedHashMap<>();
    Long storeBytes = null;
    String codePath = null;
    Path tempDir = null;
    Duration timeout = DEFAULT_TIMEOUT;
    String nodeId = null;
    Path sessionDir = null;
    Path tokenFile = null;
    Long workerHeap = null;
    boolean tls = false;
    Path tlsCert = null;
    Path tlsKey = null;
    Path tlsCa = null;
    int dashboardPort = DEFAULT_HTTP_PORT;
    int metricsPort = DEFAULT_HTTP_PORT;
    while (args.hasNext()) {
      String opt = args.nextOption();
      switch (opt) {
        case "--head" -> {
          args.noValue(opt);
          head = true;
        }
        case "--address" -> address = checkAddress(args.value(opt));
        case "--host", "--node-ip", "--node-ip-address" -> host = checkHost(opt, args.value(opt));
        case "--port" -> port = args.intValue(opt, 0, 65535);
        case "--node-manager-port" -> nmPort = args.intValue(opt, 0, 65535);
        case "--dashboard-port" -> dashboardPort = args.intValue(opt, 0, 65535);
        case "--metrics-port" -> metricsPort = args.intValue(opt, 0, 65535);
        case "--num-cpus" -> cpus = args.intValue(opt, 0, 1 << 20);
        case "--num-gpus" -> gpus = args.intValue(opt, 0, 1024);
        case "--resources" -> resources.putAll(ResourcesJson.parse(args.value(opt)));
        case "--object-store-memory" -> storeBytes = parseBytes(opt, args.value(opt));
        case "--worker-heap" -> workerHeap = parseBytes(opt, args.value(opt));
        case "--code-search-path" -> codePath = args.value(opt);
        case "--temp-dir" -> tempDir = Path.of(args.value(opt)).toAbsolutePath();
        case "--token-file" -> tokenFile = Path.of(args.value(opt)).toAbsolutePath();
        case "--tls" -> {
          args.noValue(opt);
          tls = true;
        }
        case "--tls-cert" -> tlsCert = Path.of(args.value(opt)).toAbsolutePath();
        case "--tls-key" -> tlsKey = Path.of(args.value(opt)).toAbsolutePath();
        case "--tls-ca" -> tlsCa = Path.of(args.value(opt)).toAbsolutePath();
        case "--timeout" -> timeout = Duration.ofSeconds(args.intValue(opt, 1, 3600));
        case "--node-id" -> {
          if (!node) {
            throw args.unknown(opt);
          }
          nodeId = args.value(opt);
        }
        case "--session-dir" -> {
          if (!node) {
            throw args.unknown(opt);
          }
          sessionDir = Path.of(args.value(opt));
        }
        default -> throw args.unknown(opt);
      }
    }
    if (!head && address == null) {
      throw CliException.usage(
          "start: give --head to start a cluster here, or --address HOST:PORT to join one");
    }
    if (head && address != null) {
      throw CliException.usage("start: give either --head or --address, not both");
    }
    if (!head && port >= 0) {
      throw CliException.usage(
          "start: --port is the head's GCS port; a node joining with"
              + " --address takes --node-manager-port instead");
    }
    if (head && metricsPort != DEFAULT_HTTP_PORT) {
      throw CliException.usage(
          "start: a head serves /metrics on its dashboard port; give --dashboard-port instead of"
              + " --metrics-port");
    }
    if (!head && dashboardPort != DEFAULT_HTTP_PORT) {
      throw CliException.usage(
          "start: the dashboard runs on the head; a node joining with --address takes"
              + " --metrics-port for its /metrics endpoint");
    }
    return new StartOptions(
        head,
        Optional.ofNullable(address),
        Optional.ofNullable(host),
        port < 0 ? DEFAULT_PORT : port,
        nmPort,
        Optional.ofNullable(cpus),
        Optional.ofNullable(gpus),
        resources,
        Optional.ofNullable(storeBytes),
        Optional.ofNullable(codePath),
        Optional.ofNullable(tempDir),
        timeout,
        Optional.ofNullable(nodeId),
        Optional.ofNullable(sessionDir),
        Optional.ofNullable(tokenFile),
        Optional.ofNullable(workerHeap),
        new TlsOptions(
            tls,
            Optional.ofNullable(tlsCert),
            Optional.ofNullable(tlsKey),
            Optional.ofNullable(tlsCa)),
        head ? dashboardPort : metricsPort);
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

  private static String checkHost(String option, String host) {
    String h = host.trim();
    if (h.isEmpty() || h.contains(" ") || h.contains(":") && !h.startsWith("[")) {
      throw CliException.usage(
          "start: "
              + option
              + " '"
              + host
              + "' is not an address;"
              + " give an IP of this machine, e.g. 127.0.0.1 or 10.0.0.5");
    }
    if (h.equals("0.0.0.0") || h.equals("[::]")) {
      throw CliException.usage(
          "start: "
              + option
              + " "
              + h
              + " is the wildcard address, which"
              + " other processes cannot connect to; give this machine's IP on the network the"
              + " nodes share");
    }
    return h;
  }

  /**
   * Parses a byte size: digits with an optional k, m, g or t suffix (powers of 1024).
   *
   * @throws CliException (usage) if it is not one, or below 1 MiB
   */
  static long parseBytes(String option, String value) {
    Matcher m = BYTES.matcher(value.trim());
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        int shift =
            switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "k" -> 10;
              case "m" -> 20;
              case "g" -> 30;
              case "t" -> 40;
              default -> 0;
            };
        if (n <= (Long.MAX_VALUE >> shift) && (n << shift) >= (1L << 20)) {
          return n << shift;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw CliException.usage(
        "start: "
            + option
            + " '"
            + value
            + "' is not a size of at least"
            + " 1 MiB; give bytes, or a number with k, m or g, e.g. 2g");
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
      StringBuilder json = new StringBuilder("{");
      resources.forEach(
          (k, v) ->
              json.append(json.length() > 1 ? ", " : "")
                  .append('"')
                  .append(k.replace("\\", "\\\\").replace("\"", "\\\""))
                  .append("\": ")
                  .append(v));
      out.add("--resources=" + json.append('}'));
    }
    objectStoreMemory.ifPresent(b -> out.add("--object-store-memory=" + b));
    workerHeap.ifPresent(b -> out.add("--worker-heap=" + b));
    codeSearchPath.ifPresent(c -> out.add("--code-search-path=" + c));
    out.add("--node-id=" + nodeId);
    out.add("--session-dir=" + session);
    return out;
  }
}
