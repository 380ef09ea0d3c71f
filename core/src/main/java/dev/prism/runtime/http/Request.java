package dev.prism.runtime.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request, read whole, as a {@link Handler} sees it.
 *
 * @param method the method, upper case ({@code GET}, {@code POST}, ...)
 * @param path the decoded path, without the query ({@code /api/v0/nodes})
 * @param query the query parameters, decoded, in order per name
 * @param headers the headers, names in lower case, in order per name
 * @param body the body (empty for none)
 * @param remoteAddress the client's address, for log lines
 */
public record Request(
    String method,
    String path,
    Map<String, List<String>> query,
    Map<String, List<String>> headers,
    byte[] body,
    String remoteAddress) {

  /** Copies the maps. */
  public Request {
    query = Map.copyOf(query);
    headers = Map.copyOf(headers);
  }

  /**
   * Returns the first value of a query parameter.
   *
   * @param name the parameter's name
   * @return its first value, or empty
   */
  public Optional<String> param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
  }

  /**
   * Returns the first value of a header.
   *
   * @param name the header's name (any case)
   * @return its first value, or empty
   */
  public Optional<String> header(String name) {
    List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
  }

  /**
   * Returns the body as UTF-8 text.
   *
   * @return the text
   */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
