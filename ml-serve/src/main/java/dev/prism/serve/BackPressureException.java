package dev.prism.serve;

/**
 * A request was refused because every replica of its deployment is busy and the queue in front of
 * them is full ({@code maxQueuedRequests}); over HTTP it is a 503 with {@code Retry-After}. Nothing
 * of the request ran: it is safe to retry later.
 */
public final class BackPressureException extends ServeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which deployment and its limits
   */
  public BackPressureException(String message) {
    super(message);
  }
}
