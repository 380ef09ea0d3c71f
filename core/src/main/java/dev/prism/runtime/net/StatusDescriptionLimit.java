package dev.prism.runtime.net;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Cuts the description of an error status a server sends to at most {@link #MAX_CHARS} characters.
 * Descriptions name the bad value of a request; a value of many kilobytes (a huge id or name) would
 * otherwise make the trailers larger than a client accepts (8 KiB by default in grpc-java), and the
 * client would see only "INTERNAL: http2 exception" instead of the reason. Every Prism gRPC server
 * (GCS, node manager, core worker) installs it ({@link Rpc} does).
 */
final class StatusDescriptionLimit implements ServerInterceptor {

  /** The longest description sent, in characters. */
  public static final int MAX_CHARS = 2_000;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            super.close(limit(status), trailers);
          }
        },
        headers);
  }

  /** The status with its description cut to {@link #MAX_CHARS}, saying how long it was. */
  static Status limit(Status status) {
    String d = status.getDescription();
    if (d == null || d.length() <= MAX_CHARS) {
      return status;
    }
    return status.withDescription(
        d.substring(0, MAX_CHARS) + "... (" + d.length() + " characters in all)");
  }
}
