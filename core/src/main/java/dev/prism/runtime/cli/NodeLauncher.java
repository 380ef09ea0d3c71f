package dev.prism.runtime.cli;

import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.security.TlsConfig;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a node process ({@link NodeMain}) in the background, detached from the terminal (its own
 * session through {@code setsid} where the system has it, stdin from {@code /dev/null}, stdout and
 * stderr to {@code logs/<name>.log} of the session directory), and waits, bounded, until it reports
 * {@code ready}. Used by {@code prism start} and by tests that want real node processes.
 *
 * <p>The process runs on this JVM's {@code java} and class path, with the JVM flags Prism needs
 * ({@code prism.jvm.flags}, or {@link NodeConfig#STANDARD_JVM_FLAGS}) and a 1 GiB heap; the
 * environment variable {@code PRISM_NODE_JVM_OPTIONS} replaces the heap option with its own.
 */
public final class NodeLauncher {

  private static final int LOG_TAIL_LINES = 40;

  private NodeLauncher() {}

  /**
   * What a successful start gives back.
   *
   * @param record the node's record ({@link NodeRecord#READY})
   * @param session the session directory it lives in
   * @param log its log file
   */
  public record Started(NodeRecord record, SessionDir session, Path log) {}

  /**
   * Launches a node process and waits until it is ready.
   *
   * @param options the options of {@code prism start}
   * @return the ready node
   * @throws CliException if the port is in use, the head is unreachable, or the process fails or is
   *     not ready in time (with the tail of its log)
   */
  public static Started launch(StartOptions options) {
    return launch(options, System.getenv());
  }

  /**
   * Launches a node process and waits until it is ready.
   *
   * @param options the options of {@code prism start}
   * @param env the environment of the command ({@code PRISM_CLUSTER_TOKEN}, {@code
   *     PRISM_CLUSTER_TOKEN_FILE} and {@code PRISM_NODE_JVM_OPTIONS} are read from it)
   * @return the ready node
   * @throws CliException if the port is in use, the head is unreachable, or the process fails or is
   *     not ready in time (with the tail of its log)
   */
  public static Started launch(StartOptions options, Map<String, String> env) {
    Path root = SessionDir.root(options.tempDir());
    SessionDir session;
    Optional<TlsConfig> tls;
    try {
      if (options.head()) {
        checkPortFree(options.host().orElse("127.0.0.1"), options.port());
        // A token given (--token-file, else PRISM_CLUSTER_TOKEN(_FILE), which drivers and
        // status in this shell would present too), else a new one.
        ClusterToken token =
            options
                .tokenFile()
                .map(ClusterToken::readFrom)
                .or(() -> ClusterToken.fromEnvironment(env))
                .orElseGet(ClusterToken::generate);
        session = SessionDir.create(root, null);
        token.writeTo(session.tokenFile());
        tls =
            options
                .tls()
                .resolve(
                    env, Optional.of(session.path()), List.of(options.host().orElse("127.0.0.1")));
        TlsConfig.useForThisProcess(tls);
      } else {
        String address = options.address().orElseThrow();
        tls = options.tls().resolve(env, Optional.empty());
        TlsConfig.useForThisProcess(tls);
        ClusterTokens.Found token =
            PrismNode.checkReachable(
                address, ClusterTokens.find(options.tokenFile(), env, root, address), root);
        session =
            SessionDir.latest(root)
                .filter(s -> s.gcsAddress().map(address::equals).orElse(false))
                .orElseGet(() -> SessionDir.create(root, address));
        Path file = session.tokenFile();
        if (!Files.exists(file) || !ClusterToken.readFrom(file).equals(token.token())) {
          token.token().writeTo(file); // drivers and nodes started here later find it
        }
      }
      // The TLS files in the session too: drivers and 'prism status' here find them there.
      Path here = session.path();
      tls = tls.map(t -> t.copyTo(here));
    } catch (SecurityConfigException e) {
      throw CliException.failure(e.getMessage());
    }
    String nodeId = NodeConfig.randomNodeId();
    String name = NodeRecord.nameOf(options.head(), nodeId);
    Path log = session.logOf(name);
    List<String> command = command(options.toArgs(nodeId, session.path()), env);
    Process process;
    try {
      ProcessBuilder pb = new ProcessBuilder(command);
      // The node talks TLS exactly when this command resolved TLS files for it.
      pb.environment()
          .keySet()
          .removeAll(List.of(TlsConfig.ENV_CERT, TlsConfig.ENV_KEY, TlsConfig.ENV_CA));
      tls.ifPresent(t -> pb.environment().putAll(t.environment()));
      process =
          pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw CliException.failure(
          "cannot start the node process (" + command.getFirst() + "): " + e.getMessage());
    }
    // Before the process writes its own, so that 'prism stop' finds it in any case.
    if (session.record(name).isEmpty()) {
      session.write(NodeRecord.starting(options.head(), nodeId, process.pid()));
    }
    NodeRecord ready = awaitReady(session, name, process, log, options.timeout());
    if (options.head()) {
      session.setGcsAddress(ready.gcsAddress());
    }
    return new Started(ready, session, log);
  }

  private static NodeRecord awaitReady(
      SessionDir session, String name, Process process, Path log, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      NodeRecord r = session.record(name).orElse(null);
      if (r != null && NodeRecord.READY.equals(r.state())) {
        return r;
      }
      if (r != null && NodeRecord.FAILED.equals(r.state())) {
        waitForExit(process);
        throw CliException.failure("the node did not start: " + r.message() + "\n" + tail(log));
      }
      if (!process.isAlive() && (r == null || r.liveProcess().isEmpty())) {
        throw CliException.failure(
            "the node process exited with code "
                + process.exitValue()
                + " before it was ready; its log "
                + log
                + " ends with:\n"
                + tail(log));
      }
      if (System.nanoTime() > deadline) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitForExit(process);
        if (r != null) {
          session.write(r.withState(NodeRecord.FAILED, "not ready in time"));
        }
        throw CliException.failure(
            "the node was not ready within "
                + timeout.toSeconds()
                + " s and was stopped (give more with --timeout); its log "
                + log
                + " ends with:\n"
                + tail(log));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted while waiting for the node to start");
      }
    }
  }

  private static void waitForExit(Process process) {
    try {
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Fails when something already listens on the head's port (port 0 always passes).
   *
   * @param host the bind address
   * @param port the port
   * @throws CliException naming the port and what to do
   */
  static void checkPortFree(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw CliException.failure(
          "port "
              + port
              + " on "
              + host
              + " is in use ("
              + e.getMessage()
              + "): is a Prism head already running? 'prism status' shows it and 'prism stop' stops"
              + " it; or choose another port with --port (0: any free port)");
    }
  }

  private static List<String> command(List<String> nodeArgs, Map<String, String> env) {
    List<String> cmd = new ArrayList<>();
    setsid().ifPresent(cmd::add);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(NodeConfig.jvmFlagsFromSystemProperties());
    String options = env.get("PRISM_NODE_JVM_OPTIONS");
    if (options != null && !options.isBlank()) {
      cmd.addAll(Arrays.asList(options.trim().split("\\s+")));
    } else {
      cmd.add("-Xmx1g");
    }
    for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
      String key = e.getKey().toString();
      if (key.startsWith("prism.") || key.startsWith("org.bytedeco.")) {
        cmd.add("-D" + key + "=" + e.getValue());
      }
    }
    cmd.add("-Dfile.encoding=" + StandardCharsets.UTF_8.name());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(NodeMain.class.getName());
    cmd.addAll(nodeArgs);
    return cmd;
  }

  /** {@code setsid}, which gives the node its own session (it survives the terminal). */
  private static Optional<String> setsid() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      Path p = Path.of(dir, "setsid");
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the last lines of a log file, indented, for error messages.
   *
   * @param log the file
   * @return the lines, or a note that it is empty or unreadable
   */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return "  (the log " + log + " is empty)";
      }
      StringBuilder sb = new StringBuilder();
      for (String l : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) {
        sb.append("  | ").append(l).append('\n');
      }
      return sb.toString().stripTrailing();
    } catch (IOException e) {
      return "  (cannot read the log " + log + ": " + e.getMessage() + ")";
    }
  }
}
