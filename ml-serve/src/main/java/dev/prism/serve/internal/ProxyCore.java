package dev.prism.serve.internal;

import dev.prism.ObjectRef;
import dev.prism.TaskException;
import dev.prism.serve.BackPressureException;
import dev.prism.serve.HttpRequest;
import dev.prism.serve.HttpResponse;
import dev.prism.serve.RequestTimeoutException;
import dev.prism.serve.ServeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What a proxy does with a request, whatever HTTP server carries it: the built-in routes ({@code
 * /-/healthz}, {@code /-/routes}), routing by the longest matching route prefix to the
 * application's ingress deployment, and the mapping of failures to statuses (503 with {@code
 * Retry-After} when at capacity, 408 on timeout, 404 for no route, 500 otherwise).
 */
public final class ProxyCore {

  /** The header that names a multiplexed model. */
  public static final String MODEL_HEADER = "serve_multiplexed_model_id";

  private final ServeClient client;

  /**
   * Creates the core of a proxy. It counts and times the requests it answers ({@link
   * ServeMetrics}); the proxy's node exports them.
   *
   * @param client this process's link to the controller
   */
  public ProxyCore(ServeClient client) {
    this.client = client;
  }

  /**
   * Answers one request.
   *
   * @param method the method
   * @param path the path (no query)
   * @param query the query parameters
   * @param headers the headers, names in lower case
   * @param body the body
   * @return the response, with {@code X-Request-Id}
   */
  public CompletableFuture<HttpResponse> handle(
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      byte[] body) {
    String requestId = headers.getOrDefault("x-request-id", "");
    if (requestId.isEmpty() || requestId.length() > 128) {
      requestId = UUID.randomUUID().toString();
    }
    long start = System.nanoTime();
    CompletableFuture<HttpResponse> r;
    String app = "";
    String route = "";
    if (path.startsWith("/-/")) {
      r = CompletableFuture.completedFuture(builtIn(path));
      route = path;
    } else {
      RouteTable.Route match = match(client.table().routes(), path);
      if (match == null) {
        r =
            CompletableFuture.completedFuture(
                error(
                    404,
                    "no application serves "
                        + path
                        + "; routes: "
                        + client.table().routes().stream().map(RouteTable.Route::prefix).toList(),
                    requestId));
      } else {
        app = match.app();
        route = match.prefix();
        r = forward(match, method, path, query, headers, body, requestId);
      }
    }
    String id = requestId;
    String a = app;
    String rt = route;
    return r.thenApply(
        resp -> {
          ServeMetrics.request(a, rt, resp.status(), System.nanoTime() - start);
          return resp.withHeader("X-Request-Id", id);
        });
  }

  private CompletableFuture<HttpResponse> forward(
      RouteTable.Route match,
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      byte[] body,
      String requestId) {
    String rest = match.prefix().equals("/") ? path : path.substring(match.prefix().length());
    if (rest.isEmpty()) {
      rest = "/";
    }
    HttpRequest request =
        new HttpRequest(requestId, method, rest, match.prefix(), query, headers, body);
    String modelId = headers.getOrDefault(MODEL_HEADER, "");
    Router router = client.router(match.ingressKey());
    return router
        .sendAsync(replica -> call(replica, request, modelId), modelId, /* the deployment's */ null)
        .handle(
            (answer, error) ->
                error == null ? (HttpResponse) answer : failure(unwrap(error), requestId));
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause()
        : t;
  }

  private static HttpResponse failure(Throwable error, String requestId) {
    try {
      throw error;
    } catch (BackPressureException e) {
      return error(503, e.getMessage(), requestId).withHeader("Retry-After", "1");
    } catch (RequestTimeoutException e) {
      return error(408, e.getMessage(), requestId);
    } catch (TaskException e) {
      return error(500, Errors.describe(e), requestId);
    } catch (ServeException e) {
      return error(503, e.getMessage(), requestId).withHeader("Retry-After", "1");
    } catch (java.util.concurrent.CancellationException e) {
      return error(499, "the client went away", requestId);
    } catch (Throwable e) {
      return error(500, Errors.describe(e), requestId);
    }
  }

  @SuppressWarnings("unchecked")
  private static ObjectRef<Object> call(
      RouteTable.ReplicaRoute replica, HttpRequest request, String modelId) {
    return (ObjectRef<Object>)
        (ObjectRef<?>) replica.actor().task(ReplicaActor::http, request, modelId).remote();
  }

  static RouteTable.Route match(List<RouteTable.Route> routes, String path) {
    for (RouteTable.Route r : routes) {
      String p = r.prefix();
      if (p.equals("/")
          || path.equals(p)
          || (path.startsWith(p) && path.charAt(p.length()) == '/')) {
        return r;
      }
    }
    return null;
  }

  private HttpResponse builtIn(String path) {
    switch (path) {
      case "/-/healthz":
        return HttpResponse.text("success");
      case "/-/routes":
        Map<String, String> routes = new LinkedHashMap<>();
        for (RouteTable.Route r : client.table().routes()) {
          routes.put(r.prefix(), r.app());
        }
        return HttpResponse.json(routes);
      default:
        return error(404, "no built-in route " + path, "");
    }
  }

  static HttpResponse error(int status, String message, String requestId) {
    return HttpResponse.json(status, Map.of("error", message, "requestId", requestId));
  }
}
