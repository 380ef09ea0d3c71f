package dev.prism.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.serve.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as the ingress deployment of an application receives it from the proxy.
 *
 * @param requestId the request's id: the client's {@code X-Request-Id} header, else one the proxy
 *     made; the proxy returns it in the response's {@code X-Request-Id}
 * @param method the HTTP method, upper case
 * @param path the path after the application's route prefix, starting with {@code /}
 * @param routePrefix the application's route prefix
 * @param query the query parameters (the first value of each name)
 * @param headers the headers, names in lower case (repeated headers joined with {@code ", "})
 * @param body the body, empty when there is none
 */
public record HttpRequest(
    String requestId,
    String method,
    String path,
    String routePrefix,
    Map<String, String> query,
    Map<String, String> headers,
    byte[] body) {

  /**
   * Validates and copies.
   *
   * @param requestId the id
   * @param method the method
   * @param path the path
   * @param routePrefix the prefix
   * @param query the query parameters
   * @param headers the headers
   * @param body the body
   */
  public HttpRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(routePrefix, "routePrefix");
    query = Map.copyOf(query);
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /**
   * A header's value.
   *
   * @param name its name, in any case
   * @return the value, or null when the request has none
   */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /**
   * The body as UTF-8 text.
   *
   * @return the text
   */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * The body parsed as JSON.
   *
   * @return the JSON tree
   * @throws BadRequestException if the body is not valid JSON (the proxy answers 400)
   */
  public JsonNode json() {
    return Json.parse(body);
  }

  /**
   * The body parsed as JSON into a type (a record, a map, a list, an array).
   *
   * @param type the type
   * @param <T> the type
   * @return the value
   * @throws BadRequestException if the body is not valid JSON of that shape (the proxy answers 400)
   */
  public <T> T json(Class<T> type) {
    return Json.parse(body, type);
  }
}
