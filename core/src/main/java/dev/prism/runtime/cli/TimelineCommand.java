package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.prism.runtime.state.StateJson;
import dev.prism.runtime.state.Timeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * {@code prism timeline [--output FILE]}: task execution as a Chrome trace (one event per task
 * attempt that ran, a process per node, a thread per worker), for chrome://tracing or Perfetto.
 */
final class TimelineCommand {

  /** The help text. */
  static final String HELP =
      """
      usage: prism timeline [--output FILE]
        writes task execution as a Chrome trace (JSON): one event per task attempt that ran,
        a process per node and a thread per worker; open it in chrome://tracing or
        https://ui.perfetto.dev
        --output FILE        where to write it (default: prism-timeline-<time>.json here;
                             - for standard output)
      """
          + StateConnection.OPTIONS_HELP;

  private TimelineCommand() {}

  /**
   * Runs {@code prism timeline}.
   *
   * @param args the arguments after {@code timeline}
   * @param out where the trace or the file's name goes
   * @param env the environment
   * @return the exit code
   */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    Args a = new Args("timeline", args);
    StateConnection.Options cluster = new StateConnection.Options();
    String output = null;
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (cluster.take(opt, a)) {
        continue;
      }
      switch (opt) {
        case "--output", "-o" -> output = a.value(opt);
        case "--help", "-h" -> {
          out.print(HELP);
          return 0;
        }
        default -> throw a.unknown(opt);
      }
    }
    ArrayNode trace;
    long dropped;
    try (StateConnection c = StateConnection.open(cluster, env)) {
      trace = Timeline.chromeTrace(c.state().tasks());
      dropped = c.state().droppedTasks();
    }
    String json = StateJson.text(trace);
    if ("-".equals(output)) {
      out.println(json);
      return 0;
    }
    Path file =
        Path.of(
                output != null
                    ? output
                    : "prism-timeline-" + System.currentTimeMillis() / 1000 + ".json")
            .toAbsolutePath();
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw CliException.failure("timeline: cannot write " + file + ": " + e.getMessage());
    }
    long events = 0;
    for (var e : trace) {
      if ("X".equals(e.path("ph").asText())) {
        events++;
      }
    }
    out.println(
        "Wrote "
            + events
            + " task execution"
            + (events == 1 ? "" : "s")
            + " to "
            + file
            + (dropped > 0 ? " (" + dropped + " older task attempts were dropped by the GCS)" : "")
            + "; open it in chrome://tracing or https://ui.perfetto.dev");
    return 0;
  }
}
