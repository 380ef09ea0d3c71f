package dev.prism.runtime.dashboard;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.http.Request;
import dev.prism.runtime.http.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The head's view of the libraries: what they publish for the dashboard in the cluster's key-value
 * store, read straight from the GCS of the head, in every namespace.
 *
 * <ul>
 *   <li>ml-serve's controller writes Serve's status (applications with their route prefix, status
 *       and deployments; deployments with their replicas; the proxies) as JSON under {@link
 *       #SERVE_KEY}: {@code GET /api/v0/serve/applications} answers {@code {"items": [one per
 *       application, with its "namespace" and "state"], "total": N, "proxies": [...]}}
 *   <li>ml-tune writes each experiment (counts by state, best trial, trials with state, config,
 *       last result and best value) as JSON under {@link #TUNE_PREFIX} plus its name: {@code GET
 *       /api/v0/tune/experiments} answers {@code {"items": [one per experiment, with its
 *       "namespace" and "state" RUNNING or FINISHED], "total": N}}
 * </ul>
 *
 * Both take {@code ?state=} and {@code ?limit=} as the other lists do. A value that is not JSON is
 * left out (and logged).
 */
public final class LibraryRoutes {

  /** The key of Serve's status, in the Serve controller's namespace. */
  public static final String SERVE_KEY = "dashboard/serve";

  /** The prefix of Tune experiments' keys, in their drivers' namespaces. */
  public static final String TUNE_PREFIX = "dashboard/tune/";

  private static final Logger LOG = LoggerFactory.getLogger(LibraryRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private LibraryRoutes() {}

  /**
   * Adds the routes.
   *
   * @param server the server's builder
   * @param kv per namespace, the key-value store's entries whose keys start with a prefix
   * @return the builder
   */
  public static HttpServer.Builder add(
      HttpServer.Builder server, Function<String, Map<String, Map<String, byte[]>>> kv) {
    return server
        .route("GET", "/api/v0/serve/applications", r -> serveApplications(r, kv))
        .route("GET", "/api/v0/tune/experiments", r -> tuneExperiments(r, kv));
  }

  @SuppressWarnings("unchecked")
  static Response serveApplications(
      Request r, Function<String, Map<String, Map<String, byte[]>>> kv) {
    List<Map<String, Object>> apps = new ArrayList<>();
    List<Map<String, Object>> proxies = new ArrayList<>();
    kv.apply(SERVE_KEY)
        .forEach(
            (ns, entries) -> {
              Map<String, Object> status = parse(ns, SERVE_KEY, entries.get(SERVE_KEY));
              if (status == null) {
                return;
              }
              if (status.get("applications") instanceof Map<?, ?> m) {
                for (Object a : m.values()) {
                  if (a instanceof Map<?, ?> app) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("namespace", ns);
                    item.putAll((Map<String, Object>) app);
                    item.put("state", app.get("status"));
                    apps.add(item);
                  }
                }
              }
              if (status.get("proxies") instanceof List<?> ps) {
                for (Object p : ps) {
                  if (p instanceof Map<?, ?> proxy) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("namespace", ns);
                    item.putAll((Map<String, Object>) proxy);
                    proxies.add(item);
                  }
                }
              }
            });
    Map<String, Object> out = DashboardRoutes.list(r, apps);
    out.put("proxies", proxies);
    return Response.json(out);
  }

  static Response tuneExperiments(
      Request r, Function<String, Map<String, Map<String, byte[]>>> kv) {
    List<Map<String, Object>> experiments = new ArrayList<>();
    kv.apply(TUNE_PREFIX)
        .forEach(
            (ns, entries) ->
                entries.forEach(
                    (key, value) -> {
                      Map<String, Object> e = parse(ns, key, value);
                      if (e != null) {
                        Map<String, Object> item = new LinkedHashMap<>();
                        item.put("namespace", ns);
                        item.putAll(e);
                        item.putIfAbsent("name", key.substring(TUNE_PREFIX.length()));
                        item.put(
                            "state",
                            Boolean.TRUE.equals(e.get("finished")) ? "FINISHED" : "RUNNING");
                        experiments.add(item);
                      }
                    }));
    return DashboardRoutes.items(r, experiments);
  }

  private static Map<String, Object> parse(String ns, String key, byte[] value) {
    if (value == null) {
      return null;
    }
    try {
      return JSON.readValue(value, MAP);
    } catch (IOException e) {
      LOG.debug("the value of {} in namespace {} is not a JSON object: {}", key, ns, e.toString());
      return null;
    }
  }
}
