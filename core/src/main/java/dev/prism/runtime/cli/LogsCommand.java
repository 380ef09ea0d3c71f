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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prism logs}: the logs of this machine's nodes (the node process's output, with every line
 * of its workers prefixed {@code (pid=N) }), by node, worker or actor; {@code --follow} keeps
 * printing what is appended until the node stops. With no selector it lists the logs there are.
 */
@Command(
    name = "logs",
    description = {
      "Prints the log of a node started here, or one worker's or actor's lines.",
      "A node's log holds its workers' lines prefixed (pid=N); --worker and --actor keep only"
          + " theirs. With none of --node, --worker and --actor, lists the logs there are."
    })
final class LogsCommand implements Callable<Integer> {

  @Mixin HelpOption help;

  @Option(names = "--node", paramLabel = "ID", description = "the node (an id prefix is enough)")
  String node;

  @Option(
      names = "--worker",
      paramLabel = "ID",
      description = "one worker's lines (its node and pid are asked of the cluster)")
  String worker;

  @Option(
      names = "--actor",
      paramLabel = "ID",
      description = "the lines of the worker hosting the actor (its id, a prefix, or its name)")
  String actor;

  @Option(
      names = "--tail",
      paramLabel = "N",
      converter = OptionTypes.Count.class,
      description = "the last N lines (default 1000; 0 for all)")
  int tail = 1000;

  @Option(
      names = {"--follow", "-f"},
      description = "then print new lines as they come, until the node stops")
  boolean follow;

  @Mixin ClusterOptions cluster;

  private final CliContext context;

  LogsCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    PrintStream out = context.out();
    String nodeId = node;
    if ((nodeId != null ? 1 : 0) + (worker != null ? 1 : 0) + (actor != null ? 1 : 0) > 1) {
      throw CliException.usage("logs: give one of --node, --worker and --actor");
    }
    Path root = SessionDir.root(cluster.tempDir());
    long pid = -1;
    if (worker != null || actor != null) {
      try (StateConnection c = StateConnection.open(cluster, context.env())) {
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
          nodeId = row.nodeId();
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
          nodeId = row.nodeId();
          pid = row.pid();
        }
      }
    }
    List<Found> logs = logsUnder(root);
    if (nodeId == null) {
      if (logs.isEmpty()) {
        out.println("No node logs under " + root + ".");
      }
      for (Found f : logs) {
        out.println(f.record.nodeId() + "  " + (f.record.head() ? "head" : "node") + "  " + f.log);
      }
      return 0;
    }
    String n = nodeId;
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
      follow(f, prefix, position, out, context.stopFollowing());
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
