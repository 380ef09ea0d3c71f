package dev.prism.runtime.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every call a gRPC server answers, from its start to its close: {@code
 * prism_rpc_server_seconds} tagged {@code server}, {@code service}, {@code method} and {@code code}
 * (the status), with buckets from 1 ms to 10 s. A node manager's {@code RequestWorkerLease} is its
 * lease latency (request to grant or spillback); streams are timed for their whole life.
 */
public final class RpcMetrics implements ServerInterceptor {

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(25),
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofMillis(2500),
    Duration.ofSeconds(10)
  };

  private final String server;
  private final MeterRegistry registry;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  private RpcMetrics(String server, MeterRegistry registry) {
    this.server = server;
    this.registry = registry;
  }

  /**
   * Returns the interceptor for one server, registering in the process's registry.
   *
   * @param server the server's name in the {@code server} tag ({@code gcs}, {@code node_manager})
   * @return the interceptor
   */
  public static RpcMetrics forServer(String server) {
    return new RpcMetrics(server, Metrics.registry());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String full = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(
        new SimpleForwardingServerCall<Q, R>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            timer(full, status.getCode()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            super.close(status, trailers);
          }
        },
        headers);
  }

  private Timer timer(String fullMethod, Status.Code code) {
    return timers.computeIfAbsent(
        fullMethod + "|" + code,
        k -> {
          int slash = fullMethod.lastIndexOf('/');
          String service = slash < 0 ? "" : fullMethod.substring(0, slash);
          int dot = service.lastIndexOf('.');
          return Timer.builder("prism_rpc_server")
              .description("gRPC calls a Prism server answered, start to close")
              .tag("server", server)
              .tag("service", dot < 0 ? service : service.substring(dot + 1))
              .tag("method", fullMethod.substring(slash + 1))
              .tag("code", code.name())
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
        });
  }
}
