package dev.prism.runtime.cli;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code prism start}: starts a head (GCS and node manager) or a node that joins a cluster as a
 * background process ({@link NodeLauncher}) and prints how to connect. Its options, validated, are
 * {@link StartOptions}; the node process reads the same options ({@link #parse}).
 */
@Command(
    name = "start",
    customSynopsis = {
      "prism start --head [OPTIONS]",
      "       prism start --address HOST:PORT [OPTIONS]"
    },
    description = {
      "Starts a cluster's head, or a node that joins a cluster, here in the background.",
      "--head starts the GCS and a node manager; --address HOST:PORT starts a node manager that"
          + " joins the cluster whose head is there. Prints how to connect."
    })
final class StartCommand implements Callable<Integer> {

  @Mixin HelpOption help;

  @Option(names = "--head", description = "start a cluster's head (GCS and node manager) here")
  boolean head;

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      converter = OptionTypes.Address.class,
      description = "the head's GCS, to start a node here that joins its cluster")
  String address;

  @Option(
      names = "--port",
      paramLabel = "N",
      converter = OptionTypes.Port.class,
      description = "the head's GCS port (default 6379; 0: any free port)")
  Integer port;

  @Option(
      names = {"--host", "--node-ip", "--node-ip-address"},
      paramLabel = "IP",
      converter = OptionTypes.Host.class,
      description =
          "the address to bind and advertise (default for the head: 127.0.0.1; for a node: the"
              + " local address that reaches the head)")
  String host;

  @Option(
      names = "--node-manager-port",
      paramLabel = "N",
      converter = OptionTypes.Port.class,
      description = "the node manager's port (default 0: any free port)")
  int nodeManagerPort;

  @Option(
      names = "--dashboard-port",
      paramLabel = "N",
      converter = OptionTypes.Port.class,
      description =
          "the head's dashboard, REST API and /metrics (default 8265, or any free port when 8265"
              + " is taken; 0: any free port)")
  Integer dashboardPort;

  @Option(
      names = "--metrics-port",
      paramLabel = "N",
      converter = OptionTypes.Port.class,
      description = "a node's /metrics endpoint (default 0: any free port)")
  Integer metricsPort;

  @Option(
      names = "--num-cpus",
      paramLabel = "N",
      converter = OptionTypes.Cpus.class,
      description = "CPUs offered to tasks (default: this machine's processors)")
  Integer numCpus;

  @Option(
      names = "--num-gpus",
      paramLabel = "N",
      converter = OptionTypes.Gpus.class,
      description = "logical GPUs (default: discovered through CUDA, else none)")
  Integer numGpus;

  @Option(
      names = "--resources",
      paramLabel = "JSON",
      converter = OptionTypes.Resources.class,
      description = "custom resources, e.g. '{\"accelerator\": 1, \"disk\": 2.5}'")
  List<Map<String, Double>> resources = new ArrayList<>();

  @Option(
      names = "--memory",
      paramLabel = "B",
      converter = OptionTypes.Bytes.class,
      description =
          "bytes of the memory resource tasks and actors ask for with setMemory (suffixes k, m,"
              + " g: 8g; default: not declared)")
  Long memory;

  @Option(
      names = "--labels",
      paramLabel = "K=V,...",
      converter = OptionTypes.Labels.class,
      description =
          "node labels that label selectors match, e.g. region=us-west,zone=a (every node also"
              + " has prism.io/node-id, and with GPUs prism.io/accelerator-type)")
  List<Map<String, String>> labels = new ArrayList<>();

  @Option(
      names = "--object-store-memory",
      paramLabel = "B",
      converter = OptionTypes.Bytes.class,
      description = "the object store's size in bytes (suffixes k, m, g: 2g)")
  Long objectStoreMemory;

  @Option(
      names = "--worker-heap",
      paramLabel = "B",
      converter = OptionTypes.Bytes.class,
      description = "the workers' maximum heap (suffixes k, m, g: 512m)")
  Long workerHeap;

  @Option(
      names = "--code-search-path",
      paramLabel = "CP",
      description =
          "class path entries added to the workers' class path, where your drivers' task and"
              + " actor classes are found")
  String codeSearchPath;

  @Option(
      names = "--temp-dir",
      paramLabel = "DIR",
      converter = OptionTypes.AbsolutePath.class,
      description = "root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)")
  Path tempDir;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      converter = OptionTypes.Timeout.class,
      description = "how long to wait for the node to come up (default 60)")
  Duration timeout = StartOptions.DEFAULT_TIMEOUT;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      converter = OptionTypes.AbsolutePath.class,
      description =
          "the cluster token: for a joining node, a copy of the head's session file"
              + " cluster_token (default: $PRISM_CLUSTER_TOKEN, $PRISM_CLUSTER_TOKEN_FILE, else the"
              + " session of that cluster on this machine); for a head, a token to use instead of"
              + " a new random one")
  Path tokenFile;

  @Option(
      names = "--tls",
      description =
          "TLS between the cluster's processes: for a head without the files below, generates a"
              + " certificate for the cluster into its session directory (tls_cert.pem,"
              + " tls_key.pem, tls_ca.pem); every node and driver then needs copies of those files")
  boolean tls;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      converter = OptionTypes.AbsolutePath.class,
      description = "this node's certificate (PEM); with --tls-key and --tls-ca")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      converter = OptionTypes.AbsolutePath.class,
      description = "its private key (PEM, PKCS#8)")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      converter = OptionTypes.AbsolutePath.class,
      description =
          "the authority peers' certificates must be signed by (PEM) (default for all three:"
              + " $PRISM_TLS_CERT, $PRISM_TLS_KEY, $PRISM_TLS_CA)")
  Path tlsCa;

  private final CliContext context;

  /** The options only the node process takes: {@code prism start} chooses them for it. */
  static final class NodeProcessOptions {
    @Option(names = "--node-id", paramLabel = "ID", description = "the node's id")
    String nodeId;

    @Option(names = "--session-dir", paramLabel = "DIR", description = "the session directory")
    Path sessionDir;
  }

  StartCommand(CliContext context) {
    this.context = context;
  }

  /**
   * Parses {@code start}'s arguments, or the node process's ({@code node}: plus {@code --node-id}
   * and {@code --session-dir}).
   *
   * @throws CliException (usage) naming the bad option
   */
  static StartOptions parse(List<String> args, boolean node) {
    StartCommand command = new StartCommand(CliContext.of(System.out, System.err, Map.of()));
    CommandLine cl = Cli.configure(new CommandLine(command));
    NodeProcessOptions nodeOptions = new NodeProcessOptions();
    if (node) {
      cl.addMixin("node", nodeOptions);
    }
    try {
      cl.parseArgs(args.toArray(String[]::new));
    } catch (ParameterException e) {
      throw CliException.usage(UsageErrors.describe(e));
    }
    return command.options(nodeOptions);
  }

  /** The options given, checked against each other. */
  private StartOptions options(NodeProcessOptions node) {
    if (!head && address == null) {
      throw CliException.usage(
          "start: give --head to start a cluster here, or --address HOST:PORT to join one");
    }
    if (head && address != null) {
      throw CliException.usage("start: give either --head or --address, not both");
    }
    if (!head && port != null) {
      throw CliException.usage(
          "start: --port is the head's GCS port; a node joining with"
              + " --address takes --node-manager-port instead");
    }
    if (head && metricsPort != null) {
      throw CliException.usage(
          "start: a head serves /metrics on its dashboard port; give --dashboard-port instead of"
              + " --metrics-port");
    }
    if (!head && dashboardPort != null) {
      throw CliException.usage(
          "start: the dashboard runs on the head; a node joining with --address takes"
              + " --metrics-port for its /metrics endpoint");
    }
    Map<String, Double> amounts = new LinkedHashMap<>();
    resources.forEach(amounts::putAll);
    if (memory != null) {
      if (amounts.containsKey("memory")) {
        throw CliException.usage(
            "start: memory is given twice, with --memory and in --resources; give it once");
      }
      amounts.put("memory", (double) memory);
    }
    Map<String, String> nodeLabels = new LinkedHashMap<>();
    labels.forEach(nodeLabels::putAll);
    Integer httpPort = head ? dashboardPort : metricsPort;
    return new StartOptions(
        head,
        Optional.ofNullable(address),
        Optional.ofNullable(host),
        port == null ? StartOptions.DEFAULT_PORT : port,
        nodeManagerPort,
        Optional.ofNullable(numCpus),
        Optional.ofNullable(numGpus),
        amounts,
        Optional.ofNullable(objectStoreMemory),
        Optional.ofNullable(codeSearchPath),
        Optional.ofNullable(tempDir),
        timeout,
        Optional.ofNullable(node.nodeId),
        Optional.ofNullable(node.sessionDir),
        Optional.ofNullable(tokenFile),
        Optional.ofNullable(workerHeap),
        new TlsOptions(
            tls,
            Optional.ofNullable(tlsCert),
            Optional.ofNullable(tlsKey),
            Optional.ofNullable(tlsCa)),
        httpPort == null ? StartOptions.DEFAULT_HTTP_PORT : httpPort,
        nodeLabels);
  }

  @Override
  public Integer call() {
    StartOptions options = options(new NodeProcessOptions());
    NodeLauncher.Started started = NodeLauncher.launch(options, context.env());
    if (options.head()) {
      printHead(started, context.out());
    } else {
      NodeRecord r = started.record();
      PrintStream out = context.out();
      out.println(
          "Started node "
              + r.nodeId()
              + " at "
              + r.nodeAddress()
              + " (pid "
              + r.pid()
              + "), joined the cluster at "
              + r.gcsAddress()
              + ".");
      out.println("Session: " + started.session().path() + "   log: " + started.log());
      out.println("Metrics: " + r.httpUrl() + "/metrics");
    }
    return 0;
  }

  private static void printHead(NodeLauncher.Started started, PrintStream out) {
    NodeRecord r = started.record();
    String a = r.gcsAddress();
    out.println(
        "Started the Prism head: GCS at "
            + a
            + ", node "
            + r.nodeId()
            + " at "
            + r.nodeAddress()
            + " (pid "
            + r.pid()
            + ").");
    out.println("Session: " + started.session().path() + "   log: " + started.log());
    out.println("Dashboard: " + r.httpUrl() + "   metrics: " + r.httpUrl() + "/metrics");
    out.println(
        "  log in to the dashboard with this link (it holds the cluster token): "
            + r.httpUrl()
            + "/login#token="
            + ClusterToken.readFrom(started.session().tokenFile()).secret());
    out.println(
        "Cluster token: "
            + started.session().tokenFile()
            + " (only you can read"
            + " it; every process of the cluster needs it)");
    TlsConfig.inDirectory(started.session().path())
        .ifPresent(
            t ->
                out.println(
                    "TLS: on, with the cluster's certificate files "
                        + t.cert()
                        + ", "
                        + t.key()
                        + ", "
                        + t.ca()
                        + " (every node and driver on another machine needs copies:"
                        + " --tls-cert/--tls-key/--tls-ca, or "
                        + TlsConfig.ENV_CERT
                        + "/"
                        + TlsConfig.ENV_KEY
                        + "/"
                        + TlsConfig.ENV_CA
                        + ")"));
    out.println();
    out.println("To connect a driver on this machine:");
    out.println("  PRISM_ADDRESS=" + a + " java ... YourMain      (Prism.init() reads it)");
    out.println("  or Prism.init(PrismConfig.builder().address(\"" + a + "\").build());");
    out.println(
        "  (workers load tasks' and actors' classes from the node's class path:"
            + " add yours with --code-search-path)");
    out.println(
        "To add a node:  prism start --address "
            + a
            + "   (from another machine:"
            + " add --token-file FILE, a copy of the token file)");
    out.println("To see it:      prism status");
    out.println("To stop it:     prism stop");
  }
}
