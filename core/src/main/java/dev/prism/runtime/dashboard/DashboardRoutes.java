package dev.prism.runtime.dashboard;

import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.http.HttpException;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.http.Request;
import dev.prism.runtime.http.Response;
import dev.prism.runtime.metrics.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The routes of the head's HTTP server: the dashboard page ({@code /}), the JSON API under {@code
 * /api/v0/} and {@code /metrics}. The API reads the GCS in the same process.
 *
 * <ul>
 *   <li>{@code GET /api/v0/cluster}: the GCS address, node counts, total and available resources
 *   <li>{@code GET /api/v0/nodes}, {@code /api/v0/actors}, {@code /api/v0/placement-groups}: the
 *       tables, each {@code {"items": [...], "total": N}}; {@code ?state=ALIVE} (or any other
 *       state) filters, {@code ?limit=N} caps the items
 * </ul>
 */
public final class DashboardRoutes {

  private static final int MAX_LIMIT = 10_000;

  private DashboardRoutes() {}

  /**
   * Adds the routes of a node's metrics endpoint: {@code GET /metrics}.
   *
   * @param server the server's builder
   * @return the builder
   */
  public static HttpServer.Builder addMetrics(HttpServer.Builder server) {
    return server.route(
        "GET", "/metrics", r -> Response.text(200, "text/plain; version=0.0.4", Metrics.scrape()));
  }

  /**
   * Adds the head's routes: the metrics endpoint, the dashboard and its API.
   *
   * @param server the server's builder
   * @param gcs the GCS of this head
   * @return the builder
   */
  public static HttpServer.Builder addHead(HttpServer.Builder server, GcsServer gcs) {
    addMetrics(server);
    LibraryRoutes.add(server, gcs::kvWithPrefix);
    return server
        .route("GET", "/", r -> page("index.html"))
        .route(
            "GET",
            "/api/v0/cluster",
            r -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("gcsAddress", gcs.address());
              m.putAll(ClusterJson.totals(gcs.nodes()));
              m.put("actors", gcs.actors().size());
              m.put("placementGroups", gcs.placementGroups().size());
              return Response.json(m);
            })
        .route(
            "GET",
            "/api/v0/nodes",
            r -> items(r, gcs.nodes().stream().map(ClusterJson::node).toList()))
        .route(
            "GET",
            "/api/v0/actors",
            r -> items(r, gcs.actors().stream().map(ClusterJson::actor).toList()))
        .route(
            "GET",
            "/api/v0/placement-groups",
            r ->
                items(r, gcs.placementGroups().stream().map(ClusterJson::placementGroup).toList()));
  }

  /**
   * Answers a list: filtered by {@code ?state=}, capped by {@code ?limit=}.
   *
   * @param r the request
   * @param all the items, each with a {@code state}
   * @return {@code {"items": [...], "total": N, "shown": M}}
   */
  public static Response items(Request r, List<Map<String, Object>> all) {
    return Response.json(list(r, all));
  }

  /** What {@link #items} answers, as a map to add to. */
  static Map<String, Object> list(Request r, List<Map<String, Object>> all) {
    Optional<String> state = r.param("state");
    int limit = limit(r);
    Predicate<Map<String, Object>> keep =
        m -> state.map(s -> s.equalsIgnoreCase(String.valueOf(m.get("state")))).orElse(true);
    List<Map<String, Object>> matching = all.stream().filter(keep).toList();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", matching.size());
    out.put("items", matching.subList(0, Math.min(limit, matching.size())));
    return out;
  }

  static int limit(Request r) {
    Optional<String> v = r.param("limit");
    if (v.isEmpty()) {
      return MAX_LIMIT;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HttpException(400, "limit '" + v.get() + "' is not a number from 1 to " + MAX_LIMIT);
  }

  private static Response page(String name) throws IOException {
    try (InputStream in =
        DashboardRoutes.class.getResourceAsStream("/dev/prism/runtime/http/static/" + name)) {
      if (in == null) {
        throw new HttpException(404, "the dashboard page " + name + " is missing from this build");
      }
      return new Response(
          200, "text/html; charset=utf-8", in.readAllBytes(), Map.of("Cache-Control", "no-cache"));
    }
  }
}
