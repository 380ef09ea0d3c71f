package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateJson;
import dev.prism.runtime.state.StateRows.SummaryRow;
import dev.prism.runtime.state.StateTable;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code prism summary tasks|actors|objects}: task attempts by function and state, actors by class
 * and state, objects by node (count, bytes, pinned, spilled).
 */
final class SummaryCommand {

  /** The help text. */
  static final String HELP =
      """
      usage: prism summary <tasks|actors|objects> [--format table|json]
        tasks    task attempts by function (Class.method) and state
        actors   actors by class and state
        objects  objects in the nodes' stores by node: count, bytes, pinned, spilled
        --format table|json  an aligned table (default) or JSON
      """
          + StateConnection.OPTIONS_HELP;

  private static final String KINDS = "tasks, actors, objects";

  private SummaryCommand() {}

  /**
   * Runs {@code prism summary}.
   *
   * @param args the arguments after {@code summary}
   * @param out where the summary goes
   * @param env the environment
   * @return the exit code
   */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    ListCommand.Parsed p = ListCommand.parse("summary", args, false);
    if (p.help()) {
      out.print(HELP);
      return 0;
    }
    if (p.target() == null) {
      throw CliException.usage(
          "summary: which kind? the kinds are " + KINDS + "; see 'prism summary --help'");
    }
    String kind = p.target().toLowerCase(Locale.ROOT);
    if (!List.of("tasks", "task", "actors", "actor", "objects", "object").contains(kind)) {
      throw CliException.usage(
          "summary: unknown kind '" + p.target() + "'; the kinds are " + KINDS);
    }
    try (StateConnection c = StateConnection.open(p.cluster(), env)) {
      ClusterState state = c.state();
      List<SummaryRow> rows =
          switch (kind.charAt(0)) {
            case 't' -> ClusterState.summarizeTasks(state.tasks());
            case 'a' -> ClusterState.summarizeActors(state.actors());
            default -> ClusterState.summarizeObjects(state.objects());
          };
      if (p.json()) {
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
