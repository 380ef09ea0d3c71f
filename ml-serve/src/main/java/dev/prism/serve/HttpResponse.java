package dev.prism.serve;

import dev.prism.serve.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP response an ingress deployment returns when it wants to choose the status, the content
 * type or headers. A handler may also return a {@code String} (text/plain), a {@code byte[]}
 * (application/octet-stream), null (204) or any other value (written as JSON).
 *
 * @param status the status code, 100 to 599
 * @param contentType the content type
 * @param headers more headers
 * @param body the body
 */
public record HttpResponse(
    int status, String contentType, Map<String, String> headers, byte[] body) {

  /**
   * Validates and copies.
   *
   * @param status the status
   * @param contentType the content type
   * @param headers the headers
   * @param body the body
   */
  public HttpResponse {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("HTTP status " + status + " is not within 100..599");
    }
    Objects.requireNonNull(contentType, "contentType");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /**
   * A 200 with a text body.
   *
   * @param text the text
   * @return the response
   */
  public static HttpResponse text(String text) {
    return of(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A 200 with a value written as JSON.
   *
   * @param value the value
   * @return the response
   */
  public static HttpResponse json(Object value) {
    return json(200, value);
  }

  /**
   * A response with a status and a value written as JSON.
   *
   * @param status the status
   * @param value the value
   * @return the response
   */
  public static HttpResponse json(int status, Object value) {
    return of(status, "application/json", Json.write(value));
  }

  /**
   * A response with a status, a content type and a body.
   *
   * @param status the status
   * @param contentType the content type
   * @param body the body
   * @return the response
   */
  public static HttpResponse of(int status, String contentType, byte[] body) {
    return new HttpResponse(status, contentType, Map.of(), body);
  }

  /**
   * This response with one more header.
   *
   * @param name the header's name
   * @param value its value
   * @return the new response
   */
  public HttpResponse withHeader(String name, String value) {
    Map<String, String> more = new java.util.LinkedHashMap<>(headers);
    more.put(name, value);
    return new HttpResponse(status, contentType, more, body);
  }
}
