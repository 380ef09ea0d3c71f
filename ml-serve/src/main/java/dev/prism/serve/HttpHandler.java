package dev.prism.serve;

/**
 * What the ingress deployment of an application reached over HTTP implements (Ray Serve's {@code
 * __call__(request)}): one call per request whose path starts with the application's route prefix.
 * The value returned becomes the response (see {@link HttpResponse}); a {@code CompletionStage} is
 * waited for. {@link BadRequestException} answers 400; any other exception 500 with its message.
 */
@FunctionalInterface
public interface HttpHandler {

  /**
   * Answers one request.
   *
   * @param request the request
   * @return the response or the value to write
   * @throws Exception when the request fails
   */
  Object handle(HttpRequest request) throws Exception;
}
