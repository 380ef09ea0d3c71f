package dev.prism.runtime.security;

import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.Objects;

/**
 * Cluster-token authentication of gRPC calls. Every client channel of a Prism process carries
 * {@link #clientInterceptor}, which puts the token in the {@value #HEADER} header of every call;
 * every server carries {@link #serverInterceptor}, which refuses a call without the right token
 * with {@link Status.Code#UNAUTHENTICATED} before the call's handler exists: no request message of
 * an unauthenticated call reaches a service, so nothing it sent is ever deserialized. Refusals are
 * logged with the peer's address and the method, rate-limited ({@link RefusalLog}).
 */
public final class TokenAuth {

  /** The metadata key that carries the token. */
  public static final String HEADER = "prism-cluster-token";

  static final Metadata.Key<String> KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The description of every refusal, which the caller sees: it says what to do, and nothing about
   * the token the server holds.
   */
  public static final String REFUSED =
      "the Prism cluster refused this call: its cluster token is"
          + " missing or wrong; give the cluster's token (the head's "
          + ClusterToken.FILE_NAME
          + " file) with --token-file FILE or the environment variable "
          + ClusterToken.ENV_FILE
          + " or "
          + ClusterToken.ENV;

  private TokenAuth() {}

  /**
   * Returns the interceptor that sends the token with every call of a channel.
   *
   * @param token the cluster's token
   * @return the interceptor, for {@code ManagedChannelBuilder.intercept}
   */
  public static ClientInterceptor clientInterceptor(ClusterToken token) {
    Metadata headers = new Metadata();
    headers.put(KEY, token.secret());
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /**
   * Returns the interceptor that refuses calls without the token.
   *
   * @param token the cluster's token
   * @param server names the server in log lines, e.g. "GCS"
   * @return the interceptor, for {@code ServerBuilder.intercept}
   */
  public static ServerInterceptor serverInterceptor(ClusterToken token, String server) {
    return new Check(Objects.requireNonNull(token, "token"), new RefusalLog(server));
  }

  /**
   * Whether a failure is a refusal of this process's token by a Prism server.
   *
   * @param t the failure, or a chain of causes holding it
   * @return true when a {@link Status.Code#UNAUTHENTICATED} status is in the chain
   */
  public static boolean isRefusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  /** The server side. */
  static final class Check implements ServerInterceptor {
    private final ClusterToken token;
    private final RefusalLog log;

    Check(ClusterToken token, RefusalLog log) {
      this.token = token;
      this.log = log;
    }

    RefusalLog log() {
      return log;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      String presented = headers.get(KEY);
      if (token.matches(presented)) {
        return next.startCall(call, headers);
      }
      log.refused(
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
          call.getMethodDescriptor().getFullMethodName(),
          presented == null ? "no cluster token" : "wrong cluster token");
      call.close(Status.UNAUTHENTICATED.withDescription(REFUSED), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }
}
