package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateJson;
import dev.prism.runtime.state.StateRows.SummaryRow;
import dev.prism.runtime.state.StateTable;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code prism summary tasks|actors|objects}: task attempts by function and state, actors by class
 * and state, objects by node (count, bytes, pinned, spilled).
 */
@Command(
    name = "summary",
    description = {
      "Counts the cluster's tasks by function, actors by class or objects by node.",
      "  tasks    task attempts by function (Class.method) and state",
      "  actors   actors by class and state",
      "  objects  objects in the nodes' stores by node: count, bytes, pinned, spilled"
    })
final class SummaryCommand implements Callable<Integer> {

  private static final String KINDS = "tasks, actors, objects";

  @Mixin HelpOption help;

  @Parameters(
      paramLabel = "<kind>",
      arity = "0..1",
      completionCandidates = OptionTypes.SummaryKinds.class,
      description = "tasks, actors or objects")
  String target;

  @Mixin FormatOptions format;

  @Mixin ClusterOptions cluster;

  private final CliContext context;

  SummaryCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    PrintStream out = context.out();
    if (target == null) {
      throw CliException.usage(
          "summary: which kind? the kinds are " + KINDS + "; see 'prism summary --help'");
    }
    String kind = target.toLowerCase(Locale.ROOT);
    if (!List.of("tasks", "task", "actors", "actor", "objects", "object").contains(kind)) {
      throw CliException.usage(
          "summary: unknown kind '"
              + target
              + "'; the kinds are "
              + KINDS
              + Suggestions.closest(kind, List.of("tasks", "actors", "objects"))
                  .map(w -> "; did you mean '" + w + "'?")
                  .orElse(""));
    }
    try (StateConnection c = StateConnection.open(cluster, context.env())) {
      ClusterState state = c.state();
      List<SummaryRow> rows =
          switch (kind.charAt(0)) {
            case 't' -> ClusterState.summarizeTasks(state.tasks());
            case 'a' -> ClusterState.summarizeActors(state.actors());
            default -> ClusterState.summarizeObjects(state.objects());
          };
      if (format.isJson()) {
        ObjectNode o = StateJson.MAPPER.createObjectNode();
        o.set("summary", StateJson.tree(rows, false));
        if (kind.charAt(0) == 't') {
          o.put("dropped_tasks", state.droppedTasks());
          o.put("dropped_task_events", state.droppedTaskEvents());
        }
        out.println(StateJson.text(o));
        return 0;
      }
      out.print(StateTable.render(rows, false));
      if (kind.charAt(0) == 't' && state.droppedTasks() > 0) {
        out.println(
            "("
                + state.droppedTasks()
                + " older task attempts were dropped by the GCS and are not counted)");
      }
      return 0;
    }
  }
}
