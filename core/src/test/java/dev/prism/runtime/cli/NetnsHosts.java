package dev.prism.runtime.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts made of Linux network namespaces on this machine, joined by a virtual switch: each host has
 * its own network stack (its own loopback, ports and one address on a private /24), as separate
 * machines would, while they share the file system, processes and {@code /dev/shm}. The switch is a
 * bridge in a namespace of its own, with a veth pair to each host, so nothing is added to this
 * machine's own network and closing deletes every namespace, link and address. Cutting a host's
 * link (its switch port down) stands in for a host lost to the network. Needs root and {@code ip}
 * (iproute2); {@link #unavailable()} says why not where either is missing.
 */
final class NetnsHosts implements AutoCloseable {

  /** One host: the namespace its processes run in and its address. */
  record Host(int index, String namespace, String address) {
    /**
     * A command run in this host's network namespace.
     *
     * @param command the command
     * @return {@code ip netns exec <namespace>} and the command
     */
    List<String> command(List<String> command) {
      List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
      out.addAll(command);
      return out;
    }
  }

  private final String prefix;
  private final String switchNs;
  private final List<Host> hosts = new ArrayList<>();

  private NetnsHosts(String prefix) {
    this.prefix = prefix;
    this.switchNs = prefix + "sw";
  }

  /**
   * Why hosts cannot be made here, or empty when they can (a namespace was made and deleted).
   *
   * @return the reason, for a test's skip message
   */
  static Optional<String> unavailable() {
    String probe = "pprobe" + ProcessHandle.current().pid();
    try {
      Result add = ip(List.of("netns", "add", probe));
      if (add.code != 0) {
        return Optional.of(
            "cannot make a network namespace ('ip netns add' said: "
                + add.text.strip()
                + "); these tests need root and iproute2");
      }
      ip(List.of("netns", "del", probe));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot run 'ip' (" + e.getMessage() + "); these tests need iproute2");
    }
  }

  /**
   * Makes {@code count} hosts on a random private /24 (10.200-249.x.0), addresses .1 to .count.
   *
   * @param count how many hosts (1 to 9)
   * @return the hosts; close them to delete everything
   * @throws IOException when a step fails, after deleting what was made
   */
  static NetnsHosts create(int count) throws IOException {
    if (count < 1 || count > 9) {
      throw new IllegalArgumentException("count " + count + " is not 1..9");
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String prefix = "pm" + (ProcessHandle.current().pid() % 100_000) + (char) ('a' + r.nextInt(26));
    String net = "10." + (200 + r.nextInt(50)) + "." + r.nextInt(256) + ".";
    NetnsHosts hosts = new NetnsHosts(prefix);
    try {
      must(List.of("netns", "add", hosts.switchNs));
      must(List.of("-n", hosts.switchNs, "link", "add", "br0", "type", "bridge"));
      must(List.of("-n", hosts.switchNs, "link", "set", "br0", "up"));
      for (int i = 1; i <= count; i++) {
        String ns = prefix + "h" + i;
        String port = prefix + "p" + i;
        must(List.of("netns", "add", ns));
        hosts.hosts.add(new Host(i, ns, net + i));
        must(List.of("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns));
        must(List.of("link", "set", port, "netns", hosts.switchNs));
        must(List.of("-n", hosts.switchNs, "link", "set", port, "master", "br0", "up"));
        must(List.of("-n", ns, "addr", "add", net + i + "/24", "dev", "eth0"));
        must(List.of("-n", ns, "link", "set", "eth0", "up"));
        must(List.of("-n", ns, "link", "set", "lo", "up"));
      }
      return hosts;
    } catch (IOException | RuntimeException e) {
      hosts.close();
      throw e;
    }
  }

  /**
   * The hosts, first to last.
   *
   * @return the hosts
   */
  List<Host> hosts() {
    return List.copyOf(hosts);
  }

  /**
   * The host with this index (1-based).
   *
   * @param index the index
   * @return the host
   */
  Host host(int index) {
    return hosts.get(index - 1);
  }

  /**
   * The command that takes a host off the network (its switch port down), for a process to run.
   *
   * @param index the host's index
   * @return the command line
   */
  List<String> cutCommand(int index) {
    return List.of("ip", "-n", switchNs, "link", "set", prefix + "p" + index, "down");
  }

  /** Deletes every namespace (the links and addresses go with them). */
  @Override
  public void close() {
    for (Host h : hosts) {
      try {
        ip(List.of("netns", "del", h.namespace()));
      } catch (IOException e) {
        // Best effort: the next one still goes.
      }
    }
    try {
      ip(List.of("netns", "del", switchNs));
    } catch (IOException e) {
      // Nothing else to do.
    }
  }

  private record Result(int code, String text) {}

  private static void must(List<String> args) throws IOException {
    Result r = ip(args);
    if (r.code != 0) {
      throw new IOException("ip " + String.join(" ", args) + " failed: " + r.text.strip());
    }
  }

  private static Result ip(List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("ip " + String.join(" ", args) + " did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.exitValue(), text);
  }
}
