package dev.prism.runtime.cli;

import dev.prism.runtime.dashboard.NodeLogRoutes;
import dev.prism.runtime.logging.LogTail;
import dev.prism.runtime.security.TlsConfig;
import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateRows.ActorRow;
import dev.prism.runtime.state.StateRows.NodeRow;
import dev.prism.runtime.state.StateRows.TaskRow;
import dev.prism.runtime.state.StateRows.WorkerRow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prism logs}: the logs of the cluster's nodes (the node process's output, with every line
 * of its workers prefixed {@code (pid=N) }), by node, worker, actor or job; {@code --follow} keeps
 * printing what is appended until the node stops. A log on this machine is read from its file;
 * another machine's node is asked over its HTTP server ({@link RemoteLogs}). With no selector it
 * lists the logs on this machine.
 */
@Command(
    name = "logs",
    description = {
      "Prints the log of a node, or one worker's, actor's or job's lines.",
      "A node's log holds its workers' lines prefixed (pid=N); --worker, --actor and --job keep"
          + " only theirs. A node of another machine is read through its HTTP server. With"
          + " none of --node, --worker, --actor and --job, lists the logs on this machine."
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
      names = "--job",
      paramLabel = "ID",
      description = {
        "the lines of the workers that ran the job's tasks, on every node (the job id as",
        "'prism list jobs' shows it, or a prefix); a submitted job's driver: prism job logs"
      })
  String job;

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
    int selectors =
        (node != null ? 1 : 0)
            + (worker != null ? 1 : 0)
            + (actor != null ? 1 : 0)
            + (job != null ? 1 : 0);
    if (selectors > 1) {
      throw CliException.usage("logs: give one of --node, --worker, --actor and --job");
    }
    Path root = SessionDir.root(cluster.tempDir());
    List<Found> local = logsUnder(root);
    if (selectors == 0) {
      if (local.isEmpty()) {
        out.println("No node logs under " + root + ".");
      }
      for (Found f : local) {
        out.println(f.record.nodeId() + "  " + (f.record.head() ? "head" : "node") + "  " + f.log);
      }
      return 0;
    }
    Optional<Found> localNode = node == null ? Optional.empty() : localLog(local, node);
    if (localNode.isPresent()) {
      // This machine's node: no cluster needed (it may be stopped).
      Source s = new Source(localNode.get(), null, null, List.of(), null);
      print(List.of(s), out);
      return 0;
    }
    try (StateConnection c = StateConnection.open(cluster, context.env())) {
      List<Source> sources = sources(c, local, root);
      print(sources, out);
    }
    return 0;
  }

  /** Where lines come from: one node's log (a file here, or a node's HTTP server), some pids. */
  private record Source(
      Found file, String url, String nodeId, List<Long> pids, StateConnection cluster) {

    LogTail.Chunk last(int n, RemoteLogs remote) {
      if (file != null) {
        try {
          return LogTail.last(file.log, n, Long.MAX_VALUE, NodeLogRoutes.pidFilter(pidText()));
        } catch (IOException e) {
          throw CliException.failure("logs: cannot read " + file.log + ": " + e.getMessage());
        }
      }
      return remote.last(url, n, pids);
    }

    LogTail.Chunk after(long offset, RemoteLogs remote) {
      if (file != null) {
        try {
          return LogTail.after(file.log, offset, 1 << 20, NodeLogRoutes.pidFilter(pidText()));
        } catch (IOException e) {
          throw CliException.failure("logs: cannot read " + file.log + ": " + e.getMessage());
        }
      }
      return remote.after(url, offset, pids);
    }

    /** Whether the node still runs (and may write more). */
    boolean alive() {
      if (file != null) {
        return file.record.liveProcess().isPresent();
      }
      try {
        return cluster.state().nodes().stream()
            .anyMatch(n -> n.nodeId().equals(nodeId) && n.state().equals("ALIVE"));
      } catch (RuntimeException e) {
        return false; // the cluster is gone: so is the node
      }
    }

    private String pidText() {
      return pids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
  }

  /** The logs to read for --node, --worker, --actor or --job, resolved through the cluster. */
  private List<Source> sources(StateConnection c, List<Found> local, Path root) {
    ClusterState state = c.state();
    Map<String, List<Long>> pidsByNode = new LinkedHashMap<>();
    if (node != null) {
      String id =
          state.nodes().stream()
              .map(NodeRow::nodeId)
              .filter(n -> n.startsWith(node))
              .reduce((first, second) -> second)
              .orElseThrow(
                  () ->
                      CliException.failure(
                          "logs: no node "
                              + node
                              + " in the cluster nor on this machine (under "
                              + root
                              + "); 'prism list nodes' shows the cluster's nodes"));
      pidsByNode.put(id, List.of());
    } else if (worker != null) {
      WorkerRow row =
          state.workers().stream()
              .filter(r -> r.workerId().startsWith(worker))
              .findFirst()
              .orElseThrow(
                  () ->
                      CliException.failure(
                          "logs: no worker " + worker + " in the cluster ('prism list workers')"));
      pidsByNode.put(row.nodeId(), List.of(row.pid()));
    } else if (actor != null) {
      ActorRow row =
          state.actors().stream()
              .filter(r -> r.actorId().startsWith(actor) || r.name().equals(actor))
              .findFirst()
              .orElseThrow(
                  () ->
                      CliException.failure(
                          "logs: no actor " + actor + " in the cluster ('prism list actors')"));
      if (row.pid() <= 0) {
        throw CliException.failure(
            "logs: actor " + actor + " has no process now (it is " + row.state() + ")");
      }
      pidsByNode.put(row.nodeId(), List.of((long) row.pid()));
    } else {
      pidsByNode.putAll(jobWorkers(state));
    }
    List<Source> out = new ArrayList<>();
    pidsByNode.forEach(
        (id, pids) ->
            out.add(
                localLog(local, id)
                    .map(f -> new Source(f, null, id, pids, c))
                    .orElseGet(
                        () -> new Source(null, RemoteLogs.urlOf(c.gcs(), id), id, pids, c))));
    return out;
  }

  /** The live workers that ran tasks of the job, by node. */
  private Map<String, List<Long>> jobWorkers(ClusterState state) {
    List<TaskRow> tasks =
        state.tasks().stream()
            .filter(t -> !t.jobId().isEmpty() && t.jobId().startsWith(job))
            .toList();
    if (tasks.isEmpty()) {
      throw CliException.failure(
          "logs: the cluster has no tasks of job "
              + job
              + " ('prism list jobs' shows the jobs, 'prism list tasks' their tasks)");
    }
    Set<String> workerIds = new HashSet<>();
    tasks.forEach(t -> workerIds.add(t.workerId()));
    Map<String, List<Long>> byNode = new LinkedHashMap<>();
    for (WorkerRow w : state.workers()) {
      if (workerIds.contains(w.workerId()) && w.pid() > 0) {
        byNode.computeIfAbsent(w.nodeId(), k -> new ArrayList<>()).add(w.pid());
      }
    }
    if (byNode.isEmpty()) {
      throw CliException.failure(
          "logs: none of the workers that ran job "
              + job
              + "'s tasks runs now; their lines stay in their nodes' logs ('prism logs --node ID')");
    }
    return byNode;
  }

  /** Prints each source's last lines (with a heading when there are several), then follows. */
  private void print(List<Source> sources, PrintStream out) {
    RemoteLogs remote =
        sources.stream().anyMatch(s -> s.url != null)
            ? new RemoteLogs(sources.getFirst().cluster.token(), TlsConfig.process())
            : null;
    long[] offsets = new long[sources.size()];
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      if (sources.size() > 1) {
        out.println("== node " + s.nodeId + "  workers (pid) " + s.pids);
      }
      LogTail.Chunk c = s.last(tail, remote);
      c.lines().forEach(out::println);
      offsets[i] = c.offset();
    }
    out.flush();
    if (!follow) {
      return;
    }
    BooleanSupplier stop = context.stopFollowing();
    boolean[] ended = new boolean[sources.size()];
    int running = sources.size();
    try {
      while (running > 0 && !stop.getAsBoolean()) {
        boolean printed = false;
        for (int i = 0; i < sources.size(); i++) {
          if (ended[i]) {
            continue;
          }
          Source s = sources.get(i);
          LogTail.Chunk c = s.after(offsets[i], remote);
          if (!c.lines().isEmpty()) {
            c.lines().forEach(out::println);
            printed = true;
          } else if (c.offset() == offsets[i] && !s.alive()) {
            ended[i] = true; // the node stopped and all it wrote was printed
            running--;
          }
          offsets[i] = c.offset();
        }
        out.flush();
        if (!printed) {
          Thread.sleep(sources.stream().anyMatch(s -> s.url != null) ? 500 : 200);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Found(NodeRecord record, Path log) {}

  /** The latest log on this machine of the node whose id starts with {@code id}. */
  private static Optional<Found> localLog(List<Found> local, String id) {
    return local.stream()
        .filter(l -> !l.record.nodeId().isEmpty() && l.record.nodeId().startsWith(id))
        .reduce((first, second) -> second);
  }

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
}
