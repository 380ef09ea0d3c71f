package dev.prism.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response to send whole.
 *
 * @param status the HTTP status
 * @param contentType the body's media type
 * @param body the body
 * @param headers further headers (besides content type and length)
 */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {

  /** The JSON mapper of every response. */
  public static final ObjectMapper JSON =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /** Copies the headers. */
  public Response {
    headers = Map.copyOf(headers);
  }

  /**
   * Returns a 200 JSON response.
   *
   * @param value any value Jackson can write (records, maps, lists, trees)
   * @return the response
   */
  public static Response json(Object value) {
    return json(200, value);
  }

  /**
   * Returns a JSON response.
   *
   * @param status the status
   * @param value any value Jackson can write
   * @return the response
   */
  public static Response json(int status, Object value) {
    try {
      return new Response(
          status,
          "application/json",
          JSON.writeValueAsBytes(value),
          Map.of("Cache-Control", "no-store"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the JSON error body {@code {"error": message}}.
   *
   * @param status the status
   * @param message what was wrong
   * @return the response
   */
  public static Response error(int status, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status);
    return json(status, body);
  }

  /**
   * Returns a plain-text response.
   *
   * @param status the status
   * @param contentType the media type (UTF-8 is added)
   * @param text the body
   * @return the response
   */
  public static Response text(int status, String contentType, String text) {
    return new Response(
        status,
        contentType + "; charset=utf-8",
        text.getBytes(StandardCharsets.UTF_8),
        Map.of("Cache-Control", "no-store"));
  }

  /**
   * Returns a 303 redirect.
   *
   * @param location where to
   * @return the response
   */
  public static Response redirect(String location) {
    return new Response(
        303, "text/plain; charset=utf-8", new byte[0], Map.of("Location", location));
  }

  /**
   * Returns a copy with one more header.
   *
   * @param name the header's name
   * @param value its value
   * @return the copy
   */
  public Response withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, contentType, body, h);
  }
}
