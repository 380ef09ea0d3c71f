package dev.prism.runtime.http;

/**
 * Answers the requests of one route. Handlers run on the server's worker threads, never on its
 * network thread, so they may block (on a gRPC call to the GCS, say).
 */
@FunctionalInterface
public interface Handler {

  /**
   * Answers a request.
   *
   * @param request the request
   * @return the response
   * @throws Exception any failure: an {@link HttpException} answers with its status and message,
   *     anything else with 500 and the exception's message
   */
  Response handle(Request request) throws Exception;
}
