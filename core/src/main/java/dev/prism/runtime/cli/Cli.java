package dev.prism.runtime.cli;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.security.TlsConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code prism} command line: {@code start}, {@code status} and {@code stop} (the {@code prism}
 * launcher script runs this class for them).
 *
 * <ul>
 *   <li>{@code prism start --head [options]}: starts a head (GCS and node manager) as a background
 *       process and prints how to connect; see {@link StartOptions#HELP}.
 *   <li>{@code prism start --address HOST:PORT [options]}: starts a node here that joins the
 *       cluster; prints its node id.
 *   <li>{@code prism status [--address HOST:PORT]}: nodes, resources and actors of a cluster.
 *   <li>{@code prism stop [--force]}: stops this machine's processes started by {@code start}.
 * </ul>
 *
 * <p>Every error prints one clear message on stderr; the exit code is 2 for a bad command line, 1
 * for a failure (port in use, no head, a node that does not start), 0 otherwise. Every wait is
 * bounded.
 */
public final class Cli {

  /** The help text of {@code prism status}. */
  static final String STATUS_HELP =
      """
      usage: prism status [--address HOST:PORT] [--temp-dir DIR] [--token-file FILE]
        prints the cluster's nodes, resources (used / total) and actors
        --address HOST:PORT  the head's GCS (default: $PRISM_ADDRESS, else the head of the
                             latest session started on this machine)
        --temp-dir DIR       root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)
        --token-file FILE    the cluster token (default: $PRISM_CLUSTER_TOKEN,
                             $PRISM_CLUSTER_TOKEN_FILE, else that cluster's session here)
      """;

  private static final String HELP =
      """
      usage: prism <command> [options]   ('prism <command> --help' for its options)
        start --head [options]             start a cluster's head here, in the background
        start --address HOST:PORT [opts]   start a node here that joins a cluster
        status [--address HOST:PORT]       nodes, resources and actors of a cluster
        stop [--force]                     stop the Prism processes started here
        job <submit|status|logs|stop|list> run and manage jobs on a cluster's head
        list <kind> [--filter K=V] [--detail] [--format json]
                                           nodes, jobs, actors, tasks, objects, workers or
                                           placement-groups of a cluster
        summary <tasks|actors|objects>     counts by function, class or node, and state
        timeline [--output FILE]           task execution as a Chrome trace (JSON)
        logs [--node|--worker|--actor ID] [--follow]
                                           logs of this machine's nodes, workers, actors
      """;

  private static final Duration STATUS_RPC_TIMEOUT = Duration.ofSeconds(5);

  private Cli() {}

  /**
   * Runs a command and exits with its code.
   *
   * @param args the command and its options
   */
  public static void main(String[] args) {
    int code = run(Arrays.asList(args), System.out, System.err, System.getenv());
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs a command.
   *
   * @param args the command and its options
   * @param out where results go
   * @param err where errors go
   * @param env the environment ({@code PRISM_ADDRESS} is read from it)
   * @return the exit code: 0, 1 (failure) or 2 (bad command line)
   */
  public static int run(
      List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.isEmpty()) {
      err.print(HELP);
      return CliException.USAGE;
    }
    String command = args.getFirst();
    List<String> rest = args.subList(1, args.size());
    try {
      return switch (command) {
        case "start" -> start(rest, out, env);
        case "status" -> status(rest, out, env);
        case "stop" -> StopCommand.run(rest, out);
        case "job" -> JobCommand.run(rest, out, env);
        case "list" -> ListCommand.run(rest, out, env);
        case "summary" -> SummaryCommand.run(rest, out, env);
        case "timeline" -> TimelineCommand.run(rest, out, env);
        case "logs" -> LogsCommand.run(rest, out, env);
        case "help", "--help", "-h" -> {
          out.print(HELP);
          yield 0;
        }
        default ->
            throw CliException.usage(
                "unknown command '"
                    + command
                    + "'; the commands are start, status, stop, job, list, summary,"
                    + " timeline and logs");
      };
    } catch (CliException e) {
      String m = e.getMessage();
      err.println("prism " + (m.startsWith(command + ": ") ? m : command + ": " + m));
      return e.exitCode();
    } catch (RuntimeException e) {
      err.println("prism " + command + ": " + e);
      return CliException.FAILURE;
    }
  }

  private static int start(List<String> args, PrintStream out, Map<String, String> env) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(StartOptions.HELP);
      return 0;
    }
    StartOptions options = StartOptions.parse(args);
    NodeLauncher.Started started = NodeLauncher.launch(options, env);
    NodeRecord r = started.record();
    if (options.head()) {
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
              + dev.prism.runtime.security.ClusterToken.readFrom(started.session().tokenFile())
                  .secret());
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
    } else {
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

  private static int status(List<String> args, PrintStream out, Map<String, String> env) {
    Args a = new Args("status", args);
    String address = null;
    Optional<Path> tempDir = Optional.empty();
    Optional<Path> tokenFile = Optional.empty();
    while (a.hasNext()) {
      String opt = a.nextOption();
      switch (opt) {
        case "--address" -> address = StartOptions.checkAddress(a.value(opt));
        case "--temp-dir" -> tempDir = Optional.of(Path.of(a.value(opt)).toAbsolutePath());
        case "--token-file" -> tokenFile = Optional.of(Path.of(a.value(opt)).toAbsolutePath());
        case "--help", "-h" -> {
          out.print(STATUS_HELP);
          return 0;
        }
        default -> throw a.unknown(opt);
      }
    }
    if (address == null) {
      address = resolveAddress(env, SessionDir.root(tempDir));
    }
    Path root = SessionDir.root(tempDir);
    ClusterTokens.adoptSessionTls(root, address);
    List<NodeInfo> nodes;
    List<ActorInfo> actors;
    List<dev.prism.runtime.rpc.PlacementGroupInfo> groups;
    try (GcsClient gcs =
        ClusterTokens.connectChecked(
            address,
            ClusterTokens.find(tokenFile, env, root, address),
            root,
            "this command's",
            STATUS_RPC_TIMEOUT)) {
      nodes = gcs.getAllNodes();
      actors = gcs.listActors();
      groups = gcs.listPlacementGroups();
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
    out.print(StatusReport.render(address, nodes, actors, groups));
    return 0;
  }

  /**
   * The cluster to show when no {@code --address} is given: {@code PRISM_ADDRESS}, else the latest
   * session's GCS.
   */
  static String resolveAddress(Map<String, String> env, Path root) {
    String fromEnv = env.get("PRISM_ADDRESS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return StartOptions.checkAddress(fromEnv);
    }
    return SessionDir.latest(root)
        .flatMap(SessionDir::gcsAddress)
        .orElseThrow(
            () ->
                CliException.failure(
                    "no Prism cluster to show: no --address, no"
                        + " PRISM_ADDRESS, and no session under "
                        + root
                        + "; start one with"
                        + " 'prism start --head'"));
  }
}
