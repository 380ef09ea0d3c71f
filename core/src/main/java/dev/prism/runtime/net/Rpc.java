package dev.prism.runtime.net;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.security.TlsConfig;
import dev.prism.runtime.security.TokenAuth;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The one place where Prism builds gRPC channels and servers, so that every one has the same
 * settings. What every channel gets:
 *
 * <ul>
 *   <li>HTTP/2 over Netty: plain text, or TLS with both sides authenticated when this process has
 *       {@link TlsConfig#process() TLS files} (the server's certificate must name {@value
 *       TlsConfig#SERVER_NAME}, which every channel expects whatever address it dials);
 *   <li>the cluster token on every call ({@link TokenAuth#clientInterceptor});
 *   <li>replies of any size ({@link #UNLIMITED}): a channel talks only to Prism processes, and a
 *       reply (a list of actors, a value) must not fail for its size;
 *   <li>gRPC's default executor and flow-control window;
 *   <li>keepalive pings while calls are open ({@link #KEEPALIVE}, answered within {@link
 *       #KEEPALIVE_TIMEOUT}): a peer whose host left the network sends no reset, so without them a
 *       call to it (a pushed task, a lease request) would wait forever; with them the transport
 *       closes within about 30 s and the call fails {@code UNAVAILABLE}, as for a crashed peer.
 * </ul>
 *
 * What every server gets: the token check ({@link TokenAuth#serverInterceptor}) before any request
 * message is read, error descriptions cut to a size every client accepts ({@link
 * StatusDescriptionLimit}), requests up to {@link #CONTROL_MESSAGE_LIMIT}, and, in a process that
 * turned metrics on ({@link dev.prism.runtime.metrics.Metrics#enable()}: node processes), the
 * latency of every call ({@link dev.prism.runtime.metrics.RpcMetrics}). A caller changes a setting
 * only where its traffic needs it, through the few methods of {@link ChannelSpec} and {@link
 * ServerSpec}: the core worker's server accepts messages of any size and runs calls on the
 * transport's threads, the node manager's server and its object channels use a larger flow-control
 * window for chunks of objects.
 */
public final class Rpc {

  /**
   * The largest request a server accepts unless told otherwise: gRPC's default of 4 MiB, so that
   * nobody makes the GCS or a node manager buffer huge messages.
   */
  public static final int CONTROL_MESSAGE_LIMIT = 4 << 20;

  /** How often a channel with open calls pings its peer. */
  public static final java.time.Duration KEEPALIVE = java.time.Duration.ofSeconds(10);

  /** How long a ping may go unanswered before the channel's transport is closed. */
  public static final java.time.Duration KEEPALIVE_TIMEOUT = java.time.Duration.ofSeconds(20);

  /** A message limit that accepts any size. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  private Rpc() {}

  /** The TLS contexts of one set of files, built once. */
  private record Contexts(TlsConfig files, SslContext client, SslContext server) {}

  private static volatile Contexts contexts;

  /** The contexts of this process's TLS files, or empty for plain text. */
  private static Optional<Contexts> tls() {
    Optional<TlsConfig> files = TlsConfig.process();
    if (files.isEmpty()) {
      return Optional.empty();
    }
    Contexts c = contexts;
    if (c == null || !c.files().equals(files.get())) {
      TlsConfig t = files.get();
      try {
        c =
            new Contexts(
                t,
                GrpcSslContexts.forClient()
                    .trustManager(t.ca().toFile())
                    .keyManager(t.cert().toFile(), t.key().toFile())
                    .build(),
                GrpcSslContexts.forServer(t.cert().toFile(), t.key().toFile())
                    .trustManager(t.ca().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build());
      } catch (SSLException | IllegalArgumentException e) {
        throw new SecurityConfigException(
            "cannot use the TLS files (certificate "
                + t.cert()
                + ", key "
                + t.key()
                + ", authority "
                + t.ca()
                + "): "
                + e.getMessage(),
            e);
      }
      contexts = c;
    }
    return Optional.of(c);
  }

  /**
   * Whether this process talks TLS (it has {@link TlsConfig#process() TLS files}).
   *
   * @return true for TLS, false for plain text
   */
  public static boolean usesTls() {
    return TlsConfig.process().isPresent();
  }

  /**
   * Starts describing a channel to a {@code host:port} target (resolved by name).
   *
   * @param target {@code host:port}
   * @param token the cluster's token, sent with every call
   * @return the channel's settings, to {@link ChannelSpec#build build}
   */
  public static ChannelSpec channel(String target, ClusterToken token) {
    return new ChannelSpec(NettyChannelBuilder.forTarget(Objects.requireNonNull(target)), token);
  }

  /**
   * Starts describing a channel to a host and port.
   *
   * @param host the host name or address
   * @param port the port
   * @param token the cluster's token, sent with every call
   * @return the channel's settings, to {@link ChannelSpec#build build}
   */
  public static ChannelSpec channel(String host, int port, ClusterToken token) {
    return new ChannelSpec(NettyChannelBuilder.forAddress(host, port), token);
  }

  /**
   * Starts describing a server that listens on a host and port.
   *
   * @param host the address to bind
   * @param port the port, 0 for an ephemeral one
   * @param token the cluster's token, which every call must carry
   * @param name names the server in the log lines of refused calls, e.g. "GCS"
   * @return the server's settings, to {@link ServerSpec#build build}
   */
  public static ServerSpec server(String host, int port, ClusterToken token, String name) {
    return new ServerSpec(
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port)), token, name);
  }

  /** The settings of one channel; see {@link Rpc} for what every channel has. */
  public static final class ChannelSpec {
    private final NettyChannelBuilder builder;

    private ChannelSpec(NettyChannelBuilder builder, ClusterToken token) {
      Optional<Contexts> tls = tls();
      if (tls.isPresent()) {
        builder.sslContext(tls.get().client()).overrideAuthority(TlsConfig.SERVER_NAME);
      } else {
        builder.usePlaintext();
      }
      this.builder =
          builder
              .keepAliveTime(KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS)
              .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .keepAliveWithoutCalls(false)
              .maxInboundMessageSize(UNLIMITED)
              .intercept(TokenAuth.clientInterceptor(Objects.requireNonNull(token, "token")));
    }

    /**
     * Runs the channel's callbacks on the transport's threads instead of gRPC's executor: for
     * callers whose callbacks only hand work on and never block.
     *
     * @return this
     */
    public ChannelSpec directExecutor() {
      builder.directExecutor();
      return this;
    }

    /**
     * Caps the size of a reply below the default of any size.
     *
     * @param bytes the largest reply accepted
     * @return this
     */
    public ChannelSpec maxInboundMessageSize(int bytes) {
      builder.maxInboundMessageSize(bytes);
      return this;
    }

    /**
     * Sets the HTTP/2 flow-control window, for channels that stream large data.
     *
     * @param bytes the window
     * @return this
     */
    public ChannelSpec flowControlWindow(int bytes) {
      builder.flowControlWindow(bytes);
      return this;
    }

    /**
     * Builds the channel (it connects on its first call).
     *
     * @return the channel
     */
    public ManagedChannel build() {
      return builder.build();
    }
  }

  /** The settings of one server; see {@link Rpc} for what every server has. */
  public static final class ServerSpec {
    private final NettyServerBuilder builder;

    private ServerSpec(NettyServerBuilder builder, ClusterToken token, String name) {
      tls().ifPresent(t -> builder.sslContext(t.server()));
      this.builder =
          builder
              // Peers ping every KEEPALIVE while calls are open: allow it (the default minimum of
              // 5 minutes would answer them with GOAWAY).
              .permitKeepAliveTime(KEEPALIVE.toMillis() / 2, TimeUnit.MILLISECONDS)
              .permitKeepAliveWithoutCalls(false)
              .maxInboundMessageSize(CONTROL_MESSAGE_LIMIT)
              .intercept(new StatusDescriptionLimit())
              .intercept(
                  TokenAuth.serverInterceptor(
                      Objects.requireNonNull(token, "token"), Objects.requireNonNull(name)));
      if (dev.prism.runtime.metrics.Metrics.enabled()) {
        // Outermost: a call refused for its token is timed too.
        builder.intercept(dev.prism.runtime.metrics.RpcMetrics.forServer(metricsName(name)));
      }
    }

    /** The {@code server} tag of a server's calls: {@code gcs}, {@code node_manager}, ... */
    static String metricsName(String name) {
      String n = name.toLowerCase(java.util.Locale.ROOT);
      return n.startsWith("node manager") ? "node_manager" : n.replaceAll("[^a-z0-9]+", "_");
    }

    /**
     * Adds a service.
     *
     * @param service the service
     * @return this
     */
    public ServerSpec addService(BindableService service) {
      builder.addService(service);
      return this;
    }

    /**
     * Runs calls on the transport's threads instead of gRPC's executor: for services whose handlers
     * never block.
     *
     * @return this
     */
    public ServerSpec directExecutor() {
      builder.directExecutor();
      return this;
    }

    /**
     * Changes the largest request accepted from {@link #CONTROL_MESSAGE_LIMIT}.
     *
     * @param bytes the largest request, {@link #UNLIMITED} for any size
     * @return this
     */
    public ServerSpec maxInboundMessageSize(int bytes) {
      builder.maxInboundMessageSize(bytes);
      return this;
    }

    /**
     * Sets the HTTP/2 flow-control window, for servers that stream large data.
     *
     * @param bytes the window
     * @return this
     */
    public ServerSpec flowControlWindow(int bytes) {
      builder.flowControlWindow(bytes);
      return this;
    }

    /**
     * Builds the server (not started yet).
     *
     * @return the server
     */
    public Server build() {
      return builder.build();
    }
  }
}
