package dev.prism.runtime.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prism stop}: stops every node process that {@code prism start} started on this machine
 * under the session root (all sessions, other nodes before heads), then removes what they leave
 * when killed: their shared-memory store files ({@code prism-<pid>-*} in the store's directory),
 * store sockets and spill directories. A process gets SIGTERM (it then stops its workers and closes
 * its store), and SIGKILL with its remaining descendants after the grace period; {@code --force}
 * sends SIGKILL at once. Records of processes already gone are marked stopped, so running it again
 * does nothing.
 */
@Command(
    name = "stop",
    description = {
      "Stops the Prism processes that 'prism start' started on this machine.",
      "All sessions under the root, with their workers; removes their shared memory and sockets."
    })
final class StopCommand implements Callable<Integer> {

  /** The default grace period between SIGTERM and SIGKILL. */
  static final Duration DEFAULT_GRACE = Duration.ofSeconds(20);

  @Mixin HelpOption help;

  @Option(
      names = {"--force", "-f"},
      description = "kill at once (SIGKILL) instead of asking them to stop (SIGTERM)")
  boolean force;

  @Option(
      names = "--grace",
      paramLabel = "SECONDS",
      converter = OptionTypes.Grace.class,
      description = "how long to wait before killing a node that does not stop (default 20)")
  Duration grace = DEFAULT_GRACE;

  @Option(
      names = "--temp-dir",
      paramLabel = "DIR",
      converter = OptionTypes.AbsolutePath.class,
      description = "root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)")
  Path tempDir;

  private final CliContext context;

  StopCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    PrintStream out = context.out();
    Path root = SessionDir.root(Optional.ofNullable(tempDir));
    List<SessionDir> sessions = SessionDir.all(root);
    List<Stopping> nodes = new ArrayList<>();
    List<Stopping> heads = new ArrayList<>();
    for (SessionDir s : sessions) {
      for (NodeRecord r : s.records()) {
        if (NodeRecord.STOPPED.equals(r.state())) {
          continue;
        }
        Optional<ProcessHandle> p = r.liveProcess();
        Stopping st =
            new Stopping(
                s, r, p.orElse(null), p.map(h -> h.descendants().toList()).orElse(List.of()));
        (r.head() ? heads : nodes).add(st);
      }
    }
    int stopped = 0;
    // Other nodes first, so they leave the GCS while it still runs; then the heads.
    for (List<Stopping> group : List.of(nodes, heads)) {
      for (Stopping st : group) {
        if (st.process != null) {
          if (force) {
            st.descendants.forEach(ProcessHandle::destroyForcibly);
            st.process.destroyForcibly();
          } else {
            st.process.destroy();
          }
        }
      }
      long deadline = System.nanoTime() + grace.toNanos();
      for (Stopping st : group) {
        if (st.process != null) {
          boolean exited = awaitExit(st.process, deadline);
          if (!exited) {
            out.println(
                "prism stop: "
                    + st.record.name()
                    + " (pid "
                    + st.record.pid()
                    + ") did not stop within "
                    + grace.toSeconds()
                    + " s; killing it");
            st.descendants.forEach(ProcessHandle::destroyForcibly);
            st.process.destroyForcibly();
            awaitExit(st.process, System.nanoTime() + Duration.ofSeconds(10).toNanos());
          }
          // Workers leave when their node manager dies; make sure of it.
          st.descendants.stream()
              .filter(ProcessHandle::isAlive)
              .forEach(ProcessHandle::destroyForcibly);
          stopped++;
          out.println(
              "Stopped "
                  + (st.record.head() ? "head " : "node ")
                  + st.record.nodeId()
                  + " (pid "
                  + st.record.pid()
                  + (st.record.nodeAddress().isEmpty() ? "" : ", " + st.record.nodeAddress())
                  + ")"
                  + (st.descendants.isEmpty()
                      ? ""
                      : " and its "
                          + st.descendants.size()
                          + " worker process"
                          + (st.descendants.size() == 1 ? "" : "es")));
        }
        cleanUp(st.session, st.record, st.process != null, out);
        st.session.write(
            st.record.withState(
                NodeRecord.STOPPED,
                st.process == null ? "gone when 'prism stop' ran" : "stopped by 'prism stop'"));
      }
    }
    if (stopped == 0) {
      out.println(
          "No Prism processes to stop"
              + (sessions.isEmpty() ? " (no sessions under " + root + ")" : "")
              + ".");
    } else {
      out.println("Stopped " + stopped + " Prism node process" + (stopped == 1 ? "" : "es") + ".");
    }
    return 0;
  }

  private record Stopping(
      SessionDir session,
      NodeRecord record,
      ProcessHandle process,
      List<ProcessHandle> descendants) {}

  private static boolean awaitExit(ProcessHandle p, long deadline) {
    while (p.isAlive()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !p.isAlive();
      }
    }
    return true;
  }

  /** Removes the store files a killed node could not, saying what went. */
  private static void cleanUp(
      SessionDir session, NodeRecord r, boolean sawProcess, PrintStream out) {
    for (Path f : session.removeLeftovers(r, sawProcess)) {
      out.println("Removed " + f);
    }
  }
}
