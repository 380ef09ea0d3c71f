package dev.prism.runtime.http;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for a node process's web endpoints: routes by method and path (exact, or
 * a prefix ending in {@code /}), the cluster token on every route but the login page and the static
 * files of {@code /static/} ({@link HttpAuth}), request bodies read whole up to a limit (413
 * beyond), handlers on a bounded pool of threads (503 when it is full), headers that keep browsers
 * from sniffing, framing or caching answers, and connections closed when idle. Built with {@link
 * #builder}.
 */
public final class HttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  private static final String STATIC_PREFIX = "/static/";
  private static final String STATIC_RESOURCES = "/dev/prism/runtime/http/static/";
  private static final int PUBLIC_BODY_LIMIT = 64 * 1024;

  private final List<Route> routes;
  private final HttpAuth auth;
  private final EventLoopGroup group;
  private final ThreadPoolExecutor handlers;
  private final Channel channel;
  private final String host;
  private final int port;
  private final boolean tls;

  private record Route(String method, String path, boolean prefix, Handler handler) {
    boolean matches(String m, String p) {
      boolean methodOk = method.equals(m) || (method.equals("GET") && m.equals("HEAD"));
      return methodOk && (prefix ? p.startsWith(path) : p.equals(path));
    }
  }

  private HttpServer(Builder b) {
    this.routes = List.copyOf(b.routes);
    SslContext ssl = b.tls.map(HttpServer::sslContext).orElse(null);
    this.tls = ssl != null;
    this.auth = new HttpAuth(b.token, tls);
    AtomicInteger n = new AtomicInteger();
    this.handlers =
        new ThreadPoolExecutor(
            b.threads,
            b.threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(b.queue),
            r -> {
              Thread t = new Thread(r, "prism-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    handlers.allowCoreThreadTimeOut(true);
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    int maxBody = b.maxBodyBytes;
    long idleMillis = b.idleTimeout.toMillis();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null) {
                      ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                        .addLast(new HttpServerCodec(8192, 16 * 1024, 8192))
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new HeaderGate())
                        .addLast(new HttpObjectAggregator(maxBody))
                        .addLast(new Dispatch());
                  }
                });
    try {
      this.channel = bootstrap.bind(new InetSocketAddress(b.host, b.port)).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close0();
      throw new IllegalStateException("interrupted while binding " + b.host + ":" + b.port, e);
    } catch (Exception e) {
      // Netty rethrows the bind's IOException unchecked.
      close0();
      throw new IllegalStateException(
          "cannot serve HTTP on " + b.host + ":" + b.port + ": " + e.getMessage(), e);
    }
    this.host = b.host;
    this.port = ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /**
   * Starts describing a server.
   *
   * @param host the address to bind (the node's own: never all addresses)
   * @param port the port, 0 for any free one
   * @param token the cluster token every request needs
   * @return the builder
   */
  public static Builder builder(String host, int port, ClusterToken token) {
    return new Builder(host, port, token);
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the server's base URL.
   *
   * @return {@code http://host:port}, or {@code https://host:port} with TLS
   */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "https://" : "http://") + h + ":" + port;
  }

  /**
   * The server side of TLS from the cluster's PEM files: the node presents the cluster certificate;
   * clients are not asked for one (the token authenticates them, as over plain HTTP).
   */
  private static SslContext sslContext(TlsConfig files) {
    try {
      return SslContextBuilder.forServer(files.cert().toFile(), files.key().toFile())
          .protocols("TLSv1.3", "TLSv1.2")
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot serve HTTPS with the certificate "
              + files.cert()
              + " and key "
              + files.key()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Stops accepting, closes connections and the handler threads. Idempotent. */
  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    close0();
  }

  private void close0() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    handlers.shutdownNow();
  }

  private Response dispatch(Request request) {
    String path = request.path();
    if (path.startsWith(STATIC_PREFIX) && isRead(request.method())) {
      return staticFile(path.substring(STATIC_PREFIX.length()));
    }
    if (path.equals("/login")) {
      return auth.login(request);
    }
    java.util.Optional<Response> refused = auth.check(request);
    if (refused.isPresent()) {
      return refused.get();
    }
    if (path.equals("/logout")) {
      return auth.logout(request);
    }
    boolean pathKnown = false;
    for (Route r : routes) {
      if (r.matches(request.method(), path)) {
        try {
          return r.handler().handle(request);
        } catch (HttpException e) {
          return Response.error(e.status(), e.getMessage());
        } catch (Exception e) {
          LOG.warn("{} {} failed", request.method(), path, e);
          return Response.error(500, "the server failed: " + e);
        }
      }
      pathKnown |= r.prefix() ? path.startsWith(r.path()) : path.equals(r.path());
    }
    return pathKnown
        ? Response.error(405, request.method() + " is not allowed on " + path)
        : Response.error(404, "nothing at " + path);
  }

  private static boolean isRead(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  private static Response staticFile(String name) {
    if (!name.matches("[a-zA-Z0-9_-]+\\.(js|css|html|svg|png)")) {
      return Response.error(404, "no static file " + name);
    }
    try (InputStream in = HttpServer.class.getResourceAsStream(STATIC_RESOURCES + name)) {
      if (in == null) {
        return Response.error(404, "no static file " + name);
      }
      String ext = name.substring(name.lastIndexOf('.') + 1);
      String type =
          switch (ext) {
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "html" -> "text/html; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> "image/png";
          };
      return new Response(200, type, in.readAllBytes(), Map.of("Cache-Control", "no-cache"));
    } catch (IOException e) {
      return Response.error(500, "cannot read static file " + name + ": " + e.getMessage());
    }
  }

  /**
   * Checks the token as soon as a request's headers are in, before its body is read: a client
   * without it cannot make the server hold a large body in memory. Bodies of the routes that need
   * no token (the login form) are cut at {@value #PUBLIC_BODY_LIMIT} bytes.
   */
  private final class HeaderGate extends ChannelInboundHandlerAdapter {
    private boolean discarding;
    private boolean publicRoute;
    private long publicBytes;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        discarding = false;
        publicBytes = 0;
        String path;
        try {
          path = new QueryStringDecoder(req.uri()).path();
        } catch (IllegalArgumentException e) {
          path = req.uri();
        }
        publicRoute = path.equals("/login") || path.startsWith(STATIC_PREFIX);
        if (!publicRoute && req.decoderResult().isSuccess()) {
          java.util.Optional<Response> refused = auth.check(headersOnly(ctx, req, path));
          if (refused.isPresent()) {
            ReferenceCountUtil.release(msg);
            discarding = true;
            write(ctx, refused.get(), false);
            return;
          }
        }
      }
      if (msg instanceof HttpContent content) {
        if (discarding) {
          ReferenceCountUtil.release(msg);
          return;
        }
        if (publicRoute) {
          publicBytes += content.content().readableBytes();
          if (publicBytes > PUBLIC_BODY_LIMIT) {
            ReferenceCountUtil.release(msg);
            discarding = true;
            write(ctx, Response.error(413, "the body is too large for this page"), false);
            return;
          }
        }
      }
      ctx.fireChannelRead(msg);
    }
  }

  private static Request headersOnly(ChannelHandlerContext ctx, HttpRequest req, String path) {
    return new Request(
        req.method().name(), path, Map.of(), headerMap(req), new byte[0], remote(ctx));
  }

  /** Reads requests on the network thread and answers them from the handler pool. */
  private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      if (!msg.decoderResult().isSuccess()) {
        write(ctx, Response.error(400, "malformed request: " + msg.decoderResult().cause()), false);
        return;
      }
      Request request;
      try {
        request = toRequest(ctx, msg);
      } catch (IllegalArgumentException e) {
        write(ctx, Response.error(400, "malformed request: " + e.getMessage()), false);
        return;
      }
      try {
        handlers.execute(() -> write(ctx, dispatch(request), keepAlive));
      } catch (RejectedExecutionException e) {
        write(
            ctx,
            Response.error(503, "the server is busy; try again").withHeader("Retry-After", "1"),
            keepAlive);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("HTTP connection from {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }

  private static Request toRequest(ChannelHandlerContext ctx, FullHttpRequest msg) {
    QueryStringDecoder q = new QueryStringDecoder(msg.uri());
    String path = q.path();
    if (path.contains("/../") || path.endsWith("/..")) {
      throw new IllegalArgumentException("the path " + path + " goes up a directory");
    }
    return new Request(
        msg.method().name(),
        path,
        q.parameters(),
        headerMap(msg),
        ByteBufUtil.getBytes(msg.content()),
        remote(ctx));
  }

  private static Map<String, List<String>> headerMap(HttpRequest msg) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : msg.headers()) {
      headers
          .computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(h.getValue());
    }
    return headers;
  }

  private static String remote(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a
        ? a.getAddress().getHostAddress()
        : String.valueOf(ctx.channel().remoteAddress());
  }

  private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status()),
            Unpooled.wrappedBuffer(r.body()));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer")
        .set(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    r.headers().forEach((k, v) -> res.headers().set(k, v));
    if (keepAlive) {
      HttpUtil.setKeepAlive(res, true);
      ctx.writeAndFlush(res);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** The settings of a server: its address, routes and limits. */
  public static final class Builder {
    private final String host;
    private final int port;
    private final ClusterToken token;
    private final List<Route> routes = new ArrayList<>();
    private int maxBodyBytes = 1 << 20;
    private int threads = 4;
    private int queue = 64;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Optional<TlsConfig> tls = Optional.empty();

    private Builder(String host, int port, ClusterToken token) {
      this.host = Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not 0 to 65535");
      }
      this.port = port;
      this.token = Objects.requireNonNull(token, "token");
    }

    /**
     * Adds a route for one path.
     *
     * @param method the method ({@code GET} routes answer {@code HEAD} too)
     * @param path the exact path
     * @param handler what answers
     * @return this
     */
    public Builder route(String method, String path, Handler handler) {
      routes.add(new Route(method, path, false, handler));
      return this;
    }

    /**
     * Adds a route for every path under a prefix.
     *
     * @param method the method
     * @param prefix the prefix, ending in {@code /}
     * @param handler what answers
     * @return this
     */
    public Builder prefix(String method, String prefix, Handler handler) {
      if (!prefix.endsWith("/")) {
        throw new IllegalArgumentException("a route prefix ends in '/': " + prefix);
      }
      routes.add(new Route(method, prefix, true, handler));
      return this;
    }

    /**
     * Sets the largest request body (default 1 MiB); larger ones are answered 413.
     *
     * @param bytes the limit
     * @return this
     */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes " + bytes + " is below 1024");
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets how long an idle connection stays open (default 60 s).
     *
     * @param timeout the timeout
     * @return this
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Serves HTTPS with the cluster's certificate and key instead of plain HTTP (default: plain).
     * The session cookie is then marked {@code Secure}.
     *
     * @param files the cluster's TLS files, or empty for plain HTTP
     * @return this
     */
    public Builder tls(Optional<TlsConfig> files) {
      this.tls = Objects.requireNonNull(files, "files");
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @return the running server
     * @throws IllegalStateException if the address cannot be bound (the message says which)
     */
    public HttpServer start() {
      return new HttpServer(this);
    }
  }
}
