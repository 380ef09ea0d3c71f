package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs Prism's command line and drivers as child JVMs in the hosts of a {@link NetnsHosts}, each
 * host with a directory of its own as {@code TMPDIR} (so each has its own default session root, as
 * machines do), and cleans up after them: every node process, worker and child, the namespaces and
 * the directories.
 */
final class HostProcesses implements AutoCloseable {

  /** A child's exit code and output. */
  record Out(int code, String text) {}

  private final NetnsHosts hosts;
  private final Path root;
  private final Duration step;
  private final List<ProcessHandle> seen = new ArrayList<>();

  private HostProcesses(NetnsHosts hosts, Path root, Duration step) {
    this.hosts = hosts;
    this.root = root;
    this.step = step;
  }

  /**
   * Makes {@code count} hosts and a directory for each.
   *
   * @param count how many hosts
   * @param step how long any one child may run
   * @return the hosts' processes
   * @throws Exception when the hosts cannot be made
   */
  static HostProcesses create(int count, Duration step) throws Exception {
    Path root = Files.createTempDirectory(Path.of("/tmp"), "pmh");
    NetnsHosts hosts = NetnsHosts.create(count);
    HostProcesses p = new HostProcesses(hosts, root, step);
    for (NetnsHosts.Host h : hosts.hosts()) {
      Files.createDirectories(p.dirOf(h));
    }
    return p;
  }

  NetnsHosts hosts() {
    return hosts;
  }

  NetnsHosts.Host host(int index) {
    return hosts.host(index);
  }

  /** The directory of everything a test keeps outside the hosts. */
  Path root() {
    return root;
  }

  /** A host's own directory (its TMPDIR). */
  Path dirOf(NetnsHosts.Host h) {
    return root.resolve("h" + h.index());
  }

  /** The default session root of a host's processes. */
  Path sessionRootOf(NetnsHosts.Host h) {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return dirOf(h).resolve("prism-" + user);
  }

  /** The head's GCS address: host 1's address at the default port. */
  String headAddress() {
    return host(1).address() + ":" + StartOptions.DEFAULT_PORT;
  }

  /**
   * Starts the head on host 1 as a user would: {@code prism start --head --host <its address>} and
   * the given options; fails the test unless it started.
   *
   * @param options more options of {@code start}
   * @return what {@code start} printed
   */
  Out startHead(String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("start", "--head", "--host", host(1).address()));
    args.addAll(List.of(options));
    Out head = cli(host(1), args.toArray(String[]::new));
    assertThat(head.code()).as(head.text()).isZero();
    assertThat(head.text()).contains("GCS at " + headAddress());
    return head;
  }

  /** The head's session directory (after {@link #startHead}). */
  Path headSession() {
    return SessionDir.latest(sessionRootOf(host(1))).orElseThrow().path();
  }

  /**
   * Copies files of the head's session into every other host's directory, readable by this user
   * only, as a user copies the token (and TLS files) to the other machines.
   *
   * @param names the files' names in the session
   */
  void copyToOtherHosts(String... names) throws Exception {
    for (NetnsHosts.Host h : hosts.hosts().subList(1, hosts.hosts().size())) {
      for (String name : names) {
        Path copy = dirOf(h).resolve(name);
        Files.copy(headSession().resolve(name), copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
      }
    }
  }

  /** A copied file of a host (after {@link #copyToOtherHosts}). */
  String copied(NetnsHosts.Host h, String name) {
    return dirOf(h).resolve(name).toString();
  }

  /** The node of a host that is ready (exactly one). */
  NodeRecord onlyNode(NetnsHosts.Host h) {
    List<NodeRecord> records = new ArrayList<>();
    for (SessionDir s : SessionDir.all(sessionRootOf(h))) {
      records.addAll(s.records().stream().filter(r -> r.state().equals(NodeRecord.READY)).toList());
    }
    assertThat(records).as("ready nodes on host %d", h.index()).hasSize(1);
    return records.getFirst();
  }

  /** Runs {@code prism <args>} on a host. */
  Out cli(NetnsHosts.Host h, String... args) throws Exception {
    return cli(h, Map.of(), args);
  }

  /** Runs {@code prism <args>} on a host with extra environment variables. */
  Out cli(NetnsHosts.Host h, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Cli.class.getName());
    command.addAll(List.of(args));
    return run(h, command, env);
  }

  /** Runs a driver's main class on a host, joined to {@code address}, with extra variables. */
  Out driver(
      NetnsHosts.Host h, String address, Map<String, String> env, String main, String... args)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(main);
    command.addAll(List.of(args));
    Map<String, String> all = new HashMap<>(env);
    all.put("PRISM_ADDRESS", address);
    return run(h, command, all);
  }

  /** Runs a main class in a child JVM on this class path, in the host's namespace. */
  Out run(NetnsHosts.Host h, List<String> mainAndArgs, Map<String, String> env) throws Exception {
    List<String> java = childJava(mainAndArgs);
    Path log = Files.createTempFile(root, "child", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(h.command(java)).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("TMPDIR", dirOf(h).toString());
    Process p = pb.start();
    seen.add(p.toHandle());
    boolean done = p.waitFor(step.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done)
        .as("%s on host %d finished within %s; output:%n%s", mainAndArgs, h.index(), step, text)
        .isTrue();
    return new Out(p.exitValue(), text);
  }

  /**
   * The command of a child JVM that runs a main class on this test's class path: this JVM's java, a
   * small heap, C1 only (short-lived), the project's JVM flags.
   *
   * @param mainAndArgs the main class and its arguments
   * @return the command
   */
  static List<String> childJava(List<String> mainAndArgs) {
    List<String> java = new ArrayList<>();
    java.add(ProcessHandle.current().info().command().orElseThrow());
    java.add("-Xmx256m");
    java.add("-XX:TieredStopAtLevel=1");
    for (String flag : System.getProperty("prism.jvm.flags", "").split(" ")) {
      if (!flag.isBlank()) {
        java.add(flag);
      }
    }
    java.add("-cp");
    java.add(System.getProperty("java.class.path"));
    java.addAll(mainAndArgs);
    return java;
  }

  /** The first line of {@code text} that starts with {@code prefix}. */
  static String lineStarting(String text, String prefix) {
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in:\n" + text));
  }

  /**
   * Kills every node process recorded under a root of session directories, with its workers: what a
   * test's clean-up does after {@code prism stop}, whatever state that left.
   *
   * @param sessionRoot the root
   */
  static void killNodesUnder(Path sessionRoot) {
    for (SessionDir s : SessionDir.all(sessionRoot)) {
      for (NodeRecord r : s.records()) {
        r.liveProcess()
            .ifPresent(
                p -> {
                  p.descendants().forEach(ProcessHandle::destroyForcibly);
                  p.destroyForcibly();
                });
      }
    }
  }

  /** Stops every node of every host, kills what is left, deletes the hosts and the files. */
  @Override
  public void close() throws Exception {
    try {
      for (NetnsHosts.Host h : hosts.hosts()) {
        try {
          cli(h, "stop", "--force");
        } catch (AssertionError | Exception e) {
          // Whatever is left is killed below.
        }
      }
    } finally {
      for (NetnsHosts.Host h : hosts.hosts()) {
        killNodesUnder(sessionRootOf(h));
      }
      seen.forEach(ProcessHandle::destroyForcibly);
      hosts.close();
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
