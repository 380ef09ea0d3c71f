package dev.prism.runtime.dashboard;

import dev.prism.runtime.http.HttpException;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.http.Response;
import dev.prism.runtime.state.ClusterState;
import dev.prism.runtime.state.StateJson;
import dev.prism.runtime.state.StateKind;
import dev.prism.runtime.state.StateRows.TaskRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The state API of the head's HTTP server: what {@code prism list} and {@code prism summary} show,
 * as JSON, from a fresh {@link ClusterState} per request.
 *
 * <ul>
 *   <li>{@code GET /api/v0/tasks}: task attempts (every column; {@code ?state=}, {@code ?limit=})
 *   <li>{@code GET /api/v0/tasks/summary}: attempts by state, the latest failures with their
 *       errors, and how many attempts the GCS dropped
 *   <li>{@code GET /api/v0/state/<kind>}: any kind of {@code prism list} (nodes, jobs, actors,
 *       tasks, objects, workers, placement-groups)
 * </ul>
 */
public final class StateRoutes {

  /** How many failures the summary lists. */
  static final int RECENT_FAILURES = 20;

  private StateRoutes() {}

  /**
   * Adds the routes.
   *
   * @param server the head's server builder
   * @param state makes a view of the cluster's state (one per request)
   * @return the builder
   */
  public static HttpServer.Builder add(HttpServer.Builder server, Supplier<ClusterState> state) {
    return server
        .route(
            "GET",
            "/api/v0/tasks",
            r -> DashboardRoutes.items(r, StateJson.maps(state.get().tasks(), true)))
        .route("GET", "/api/v0/tasks/summary", r -> Response.json(summary(state.get())))
        .prefix(
            "GET",
            "/api/v0/state/",
            r -> {
              StateKind kind;
              try {
                kind = StateKind.parse(r.path().substring("/api/v0/state/".length()));
              } catch (IllegalArgumentException e) {
                throw new HttpException(404, e.getMessage());
              }
              return DashboardRoutes.items(r, StateJson.maps(state.get().list(kind), true));
            });
  }

  private static Map<String, Object> summary(ClusterState state) {
    List<TaskRow> tasks = state.tasks();
    Map<String, Long> byState = new TreeMap<>();
    for (TaskRow t : tasks) {
      byState.merge(t.state(), 1L, Long::sum);
    }
    List<Map<String, Object>> failures = new ArrayList<>();
    tasks.stream()
        .filter(t -> t.state().equals("FAILED"))
        .sorted(Comparator.comparingLong(TaskRow::endedMicros).reversed())
        .limit(RECENT_FAILURES)
        .forEach(
            t -> {
              Map<String, Object> f = new LinkedHashMap<>();
              f.put("taskId", t.taskId());
              f.put("attempt", t.attempt());
              f.put("name", t.name().isEmpty() ? t.function() : t.name());
              f.put("nodeId", t.nodeId());
              f.put("error", t.errorType() + ": " + t.errorMessage());
              failures.add(f);
            });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", tasks.size());
    out.put("byState", byState);
    out.put("recentFailures", failures);
    out.put("droppedTasks", state.droppedTasks());
    out.put("droppedTaskEvents", state.droppedTaskEvents());
    return out;
  }
}
