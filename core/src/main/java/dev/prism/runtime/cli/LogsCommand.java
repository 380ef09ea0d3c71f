package dev.prism.runtime.cli;

import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateRows.ActorRow;
import dev.prism.runtime.state.StateRows.WorkerRow;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code prism logs}: the logs of this machine's nodes (the node process's output, with every line
 * of its workers prefixed {@code (pid=N) }), by node, worker or actor; {@code --follow} keeps
 * printing what is appended until the node stops. With no selector it lists the logs there are.
 */
final class LogsCommand {

  /** The help text. */
  static final String HELP =
      """
      usage: prism logs [--node ID | --worker ID | --actor ID] [--tail N] [--follow]
        prints the log of a node started on this machine (its workers' lines are prefixed
        (pid=N)), or only the lines of one worker or actor; with none of them, lists the logs
        --node ID            the node (an id prefix is enough)
        --worker ID          one worker's lines (its node and pid are asked of the cluster)
        --actor ID           the lines of the worker hosting the actor
        --tail N             the last N lines (default 1000; 0 for all)
        --follow             then print new lines as they come, until the node stops
      """
          + StateConnection.OPTIONS_HELP;

  private LogsCommand() {}

  /**
   * Runs {@code prism logs}.
   *
   * @param args the arguments after {@code logs}
   * @param out where the log goes
   * @param env the environment
   * @return the exit code
   */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    return run(args, out, env, () -> false);
  }

  /** As {@link #run(List, PrintStream, Map)}; {@code stop} ends a {@code --follow} early. */
  static int run(
      List<String> args, PrintStream out, Map<String, String> env, BooleanSupplier stop) {
    Args a = new Args("logs", args);
    StateConnection.Options cluster = new StateConnection.Options();
    String node = null;
    String worker = null;
    String actor = null;
    int tail = 1000;
    boolean follow = false;
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (cluster.take(opt, a)) {
        continue;
      }
      switch (opt) {
        case "--node" -> node = a.value(opt);
        case "--worker" -> worker = a.value(opt);
        case "--actor" -> actor = a.value(opt);
        case "--tail" -> tail = a.intValue(opt, 0, Integer.MAX_VALUE);
        case "--follow", "-f" -> {
          a.noValue(opt);
          follow = true;
        }
        case "--help", "-h" -> {
          out.print(HELP);
          return 0;
        }
        default -> throw a.unknown(opt);
      }
    }
    if ((node != null ? 1 : 0) + (worker != null ? 1 : 0) + (actor != null ? 1 : 0) > 1) {
      throw CliException.usage("logs: give one of --node, --worker and --actor");
    }
    Path root = SessionDir.root(cluster.tempDir());
    long pid = -1;
    if (worker != null || actor != null) {
      try (StateConnection c = StateConnection.open(cluster, env)) {
        ClusterState state = c.state();
        if (worker != null) {
          String w = worker;
          WorkerRow row =
              state.workers().stream()
                  .filter(r -> r.workerId().startsWith(w))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          CliException.failure(
                              "logs: no worker " + w + " in the cluster ('prism list workers')"));
          node = row.nodeId();
          pid = row.pid();
        } else {
          String id = actor;
          ActorRow row =
              state.actors().stream()
                  .filter(r -> r.actorId().startsWith(id) || r.name().equals(id))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          CliException.failure(
                              "logs: no actor " + id + " in the cluster ('prism list actors')"));
          if (row.pid() <= 0) {
            throw CliException.failure(
                "logs: actor " + id + " has no process now (it is " + row.state() + ")");
          }
          node = row.nodeId();
          pid = row.pid();
        }
      }
    }
    List<Found> logs = logsUnder(root);
    if (node == null) {
      if (logs.isEmpty()) {
        out.println("No node logs under " + root + ".");
      }
      for (Found f : logs) {
        out.println(f.record.nodeId() + "  " + (f.record.head() ? "head" : "node") + "  " + f.log);
      }
      return 0;
    }
    String n = node;
    Found f =
        logs.stream()
            .filter(l -> !l.record.nodeId().isEmpty() && l.record.nodeId().startsWith(n))
            .reduce((first, second) -> second)
            .orElseThrow(
                () ->
                    CliException.failure(
                        "logs: the log of node "
                            + n
                            + " is not on this machine (under "
                            + root
                            + "); a node's log is in the session directory of the machine"
                            + " that runs it"));
    String prefix = pid > 0 ? "(pid=" + pid + ") " : null;
    long position = printTail(f.log, prefix, tail, out);
    if (follow) {
      follow(f, prefix, position, out, stop);
    }
    return 0;
  }

  private record Found(NodeRecord record, Path log) {}

  private static List<Found> logsUnder(Path root) {
    List<Found> out = new ArrayList<>();
    for (SessionDir s : SessionDir.all(root)) {
      for (NodeRecord r : s.records()) {
        Path log = s.logOf(r.name());
        if (Files.exists(log)) {
          out.add(new Found(r, log));
        }
      }
    }
    return out;
  }

  /** Prints the last {@code tail} matching lines; returns the file's length read. */
  private static long printTail(Path log, String prefix, int tail, PrintStream out) {
    Deque<String> last = new ArrayDeque<>();
    long size;
    try {
      byte[] bytes = Files.readAllBytes(log);
      size = bytes.length;
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--; // a partial last line is printed when it is complete (--follow)
      }
      size = end;
      for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n", -1)) {
        if (!line.isEmpty() && (prefix == null || line.startsWith(prefix))) {
          last.addLast(line);
          if (tail > 0 && last.size() > tail) {
            last.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      throw CliException.failure("logs: cannot read " + log + ": " + e.getMessage());
    }
    last.forEach(out::println);
    out.flush();
    return size;
  }

  private static void follow(
      Found f, String prefix, long position, PrintStream out, BooleanSupplier stop) {
    StringBuilder partial = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try (SeekableByteChannel ch = Files.newByteChannel(f.log)) {
      ch.position(position);
      while (!stop.getAsBoolean()) {
        buf.clear();
        int n = ch.read(buf);
        if (n > 0) {
          partial.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
          int nl;
          while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            if (prefix == null || line.startsWith(prefix)) {
              out.println(line);
            }
          }
          out.flush();
          continue;
        }
        Optional<ProcessHandle> alive = f.record.liveProcess();
        if (alive.isEmpty()) {
          return; // the node stopped and all it wrote was printed
        }
        Thread.sleep(200);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
