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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prism timeline [--output FILE]}: task execution as a Chrome trace (one event per task
 * attempt that ran, a process per node, a thread per worker), for chrome://tracing or Perfetto.
 */
@Command(
    name = "timeline",
    description = {
      "Writes task execution as a Chrome trace (JSON).",
      "One event per task attempt that ran, a process per node and a thread per worker; open it"
          + " in chrome://tracing or https://ui.perfetto.dev"
    })
final class TimelineCommand implements Callable<Integer> {

  @Mixin HelpOption help;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "FILE",
      description =
          "where to write it (default: prism-timeline-<time>.json here; - for standard output)")
  String output;

  @Mixin ClusterOptions cluster;

  private final CliContext context;

  TimelineCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    PrintStream out = context.out();
    ArrayNode trace;
    long dropped;
    try (StateConnection c = StateConnection.open(cluster, context.env())) {
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
