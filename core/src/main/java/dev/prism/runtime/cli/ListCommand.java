package dev.prism.runtime.cli;

import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateJson;
import dev.prism.runtime.state.StateKind;
import dev.prism.runtime.state.StateQuery;
import dev.prism.runtime.state.StateRow;
import dev.prism.runtime.state.StateTable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code prism list <kind>}: the cluster's nodes, jobs, actors, tasks, objects, workers or
 * placement groups as a table (or JSON), filtered and limited.
 */
@Command(
    name = "list",
    description =
        "Lists the cluster's nodes, jobs, actors, tasks, objects, workers or"
            + " placement-groups.")
final class ListCommand implements Callable<Integer> {

  @Mixin HelpOption help;

  @Parameters(
      paramLabel = "<kind>",
      arity = "0..1",
      completionCandidates = OptionTypes.ListKinds.class,
      description =
          "nodes, jobs, actors, tasks, objects, workers or placement-groups (singular works too)")
  String kind;

  @Option(
      names = "--filter",
      paramLabel = "KEY=VALUE",
      converter = OptionTypes.Filter.class,
      description =
          "keep the rows whose column KEY is VALUE (KEY!=VALUE: is not); case does not matter,"
              + " ids match by prefix; repeat to combine, e.g. --filter state=FAILED --filter"
              + " node=3fa2")
  List<StateQuery.Filter> filters = new ArrayList<>();

  @Option(
      names = "--limit",
      paramLabel = "N",
      converter = OptionTypes.Count.class,
      description = "the last N rows (default 100; 0 for all)")
  int limit = StateQuery.DEFAULT_LIMIT;

  @Option(names = "--detail", description = "every column, not only the main ones")
  boolean detail;

  @Mixin FormatOptions format;

  @Mixin ClusterOptions cluster;

  private final CliContext context;

  ListCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    PrintStream out = context.out();
    if (kind == null) {
      throw CliException.usage(
          "list: which kind? the kinds are " + StateKind.words() + "; see 'prism list --help'");
    }
    StateQuery query = new StateQuery(filters, limit, detail);
    StateKind k;
    try {
      k = StateKind.parse(kind);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("list: " + e.getMessage() + closest(kind));
    }
    try (StateConnection c = StateConnection.open(cluster, context.env())) {
      ClusterState state = c.state();
      List<? extends StateRow> all = state.list(k);
      List<? extends StateRow> matching;
      try {
        matching = query.matching(k.word(), all);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("list: " + e.getMessage());
      }
      List<? extends StateRow> shown = query.limited(matching);
      if (format.isJson()) {
        out.println(StateJson.text(StateJson.tree(shown, detail)));
        return 0;
      }
      out.print(StateTable.render(shown, detail));
      String note = query.truncationNote(matching.size());
      if (note != null) {
        out.println(note);
      }
      if (k == StateKind.TASKS && (state.droppedTasks() > 0 || state.droppedTaskEvents() > 0)) {
        out.println(
            "("
                + state.droppedTasks()
                + " older task attempts were dropped by the GCS to stay within its bound, "
                + state.droppedTaskEvents()
                + " task events were dropped by drivers and workers)");
      }
      if ((k == StateKind.WORKERS || k == StateKind.OBJECTS)
          && !state.unreachableNodes().isEmpty()) {
        out.println(
            "(nodes that did not answer: " + String.join("; ", state.unreachableNodes()) + ")");
      }
      return 0;
    }
  }

  /** {@code ; did you mean 'tasks'?} when a kind is close to what was typed, else nothing. */
  private static String closest(String typed) {
    List<String> words = new ArrayList<>();
    for (StateKind k : StateKind.values()) {
      words.add(k.word());
    }
    return Suggestions.closest(typed.toLowerCase(Locale.ROOT), words)
        .map(w -> "; did you mean '" + w + "'?")
        .orElse("");
  }
}
