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
import java.util.Map;

/**
 * {@code prism list <kind>}: the cluster's nodes, jobs, actors, tasks, objects, workers or
 * placement groups as a table (or JSON), filtered and limited.
 */
final class ListCommand {

  /** The help text. */
  static final String HELP =
      """
      usage: prism list <kind> [--filter KEY=VALUE]... [--limit N] [--detail] [--format table|json]
        lists the cluster's nodes, jobs, actors, tasks, objects, workers or placement-groups
        --filter KEY=VALUE   keep the rows whose column KEY is VALUE (KEY!=VALUE: is not); case
                             does not matter, ids match by prefix; repeat to combine, e.g.
                             --filter state=FAILED --filter node=3fa2
        --limit N            the last N rows (default 100; 0 for all)
        --detail             every column, not only the main ones
        --format table|json  an aligned table (default) or a JSON array
      """
          + StateConnection.OPTIONS_HELP;

  private ListCommand() {}

  /** The options of {@code list} and {@code summary}. */
  record Parsed(
      String target,
      StateQuery query,
      boolean json,
      StateConnection.Options cluster,
      boolean help) {}

  /** Parses a state command's arguments: a positional target, then options. */
  static Parsed parse(String command, List<String> args, boolean listOptions) {
    String target = null;
    List<String> rest = args;
    if (!args.isEmpty() && !args.getFirst().startsWith("-")) {
      target = args.getFirst();
      rest = args.subList(1, args.size());
    }
    Args a = new Args(command, rest);
    List<StateQuery.Filter> filters = new ArrayList<>();
    int limit = StateQuery.DEFAULT_LIMIT;
    boolean detail = false;
    boolean json = false;
    StateConnection.Options cluster = new StateConnection.Options();
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (cluster.take(opt, a)) {
        continue;
      }
      switch (opt) {
        case "--help", "-h" -> {
          return new Parsed(target, StateQuery.ALL, false, cluster, true);
        }
        case "--format" -> {
          String f = a.value(opt).toLowerCase(Locale.ROOT);
          if (!f.equals("json") && !f.equals("table")) {
            throw CliException.usage(command + ": --format '" + f + "' is not table or json");
          }
          json = f.equals("json");
        }
        case "--json" -> {
          a.noValue(opt);
          json = true;
        }
        case "--filter" -> {
          if (!listOptions) {
            throw a.unknown(opt);
          }
          try {
            filters.add(StateQuery.Filter.parse(a.value(opt)));
          } catch (IllegalArgumentException e) {
            throw CliException.usage(command + ": " + e.getMessage());
          }
        }
        case "--limit" -> {
          if (!listOptions) {
            throw a.unknown(opt);
          }
          limit = a.intValue(opt, 0, Integer.MAX_VALUE);
        }
        case "--detail" -> {
          if (!listOptions) {
            throw a.unknown(opt);
          }
          a.noValue(opt);
          detail = true;
        }
        default -> throw a.unknown(opt);
      }
    }
    return new Parsed(target, new StateQuery(filters, limit, detail), json, cluster, false);
  }

  /**
   * Runs {@code prism list}.
   *
   * @param args the arguments after {@code list}
   * @param out where the listing goes
   * @param env the environment
   * @return the exit code
   */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    Parsed p = parse("list", args, true);
    if (p.help()) {
      out.print(HELP);
      return 0;
    }
    if (p.target() == null) {
      throw CliException.usage(
          "list: which kind? the kinds are " + StateKind.words() + "; see 'prism list --help'");
    }
    StateKind kind;
    try {
      kind = StateKind.parse(p.target());
    } catch (IllegalArgumentException e) {
      throw CliException.usage("list: " + e.getMessage());
    }
    try (StateConnection c = StateConnection.open(p.cluster(), env)) {
      ClusterState state = c.state();
      List<? extends StateRow> all = state.list(kind);
      List<? extends StateRow> matching;
      try {
        matching = p.query().matching(kind.word(), all);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("list: " + e.getMessage());
      }
      List<? extends StateRow> shown = p.query().limited(matching);
      if (p.json()) {
        out.println(StateJson.text(StateJson.tree(shown, p.query().detail())));
        return 0;
      }
      out.print(StateTable.render(shown, p.query().detail()));
      String note = p.query().truncationNote(matching.size());
      if (note != null) {
        out.println(note);
      }
      if (kind == StateKind.TASKS && (state.droppedTasks() > 0 || state.droppedTaskEvents() > 0)) {
        out.println(
            "("
                + state.droppedTasks()
                + " older task attempts were dropped by the GCS to stay within its bound, "
                + state.droppedTaskEvents()
                + " task events were dropped by drivers and workers)");
      }
      if ((kind == StateKind.WORKERS || kind == StateKind.OBJECTS)
          && !state.unreachableNodes().isEmpty()) {
        out.println(
            "(nodes that did not answer: " + String.join("; ", state.unreachableNodes()) + ")");
      }
      return 0;
    }
  }
}
