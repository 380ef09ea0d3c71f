package dev.prism.serve.internal;

import dev.prism.serve.HttpResponse;
import dev.prism.serve.ServeConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's HTTP server on Netty 4.2 (epoll where available): HTTP/1.1 with keep-alive, and
 * HTTP/2 over cleartext (prior knowledge or upgrade) on the same port. Each request is answered on
 * a virtual thread of its own, which waits on the replica through the router; the event loops only
 * parse and write. A request whose headers do not arrive within the header timeout is answered 408
 * and its connection closed (slow clients cannot hold connections); idle keep-alive connections are
 * closed after the idle timeout; bodies over the limit get 413. A client that goes away interrupts
 * its request's thread: a request still waiting for a replica is dropped.
 */
final class NettyHttpServer implements AutoCloseable {

  /** Answers one request (called on a virtual thread). */
  @FunctionalInterface
  interface Handler {
    HttpResponse handle(
        String method,
        String path,
        Map<String, String> query,
        Map<String, String> headers,
        byte[] body);
  }

  private final EventLoopGroup group;
  private final Channel channel;
  private final int port;

  NettyHttpServer(ServeConfig config, String host, Handler handler) throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> type =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.group =
        new MultiThreadIoEventLoopGroup(
            Math.max(1, Runtime.getRuntime().availableProcessors()), io);
    Requests requests = new Requests(handler);
    int maxBody = config.maxBodyBytes();
    long headerMillis = config.headerTimeoutMillis();
    long idleMillis = config.idleTimeoutMillis();
    ChannelInitializer<Channel> stream =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel s) {
            s.pipeline()
                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                .addLast(new HttpObjectAggregator(maxBody))
                .addLast(requests);
          }
        };
    this.channel =
        new ServerBootstrap()
            .group(group)
            .channel(type)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ChannelPipeline p = ch.pipeline();
                    HeaderDeadline deadline = new HeaderDeadline(headerMillis);
                    p.addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                    p.addLast(deadline);
                    HttpServerCodec codec = new HttpServerCodec();
                    HttpServerUpgradeHandler upgrade =
                        new HttpServerUpgradeHandler(
                            codec,
                            proto ->
                                new Http2ServerUpgradeCodec(
                                    Http2FrameCodecBuilder.forServer().build(),
                                    new Http2MultiplexHandler(stream)));
                    p.addLast(
                        new CleartextHttp2ServerUpgradeHandler(
                            codec,
                            upgrade,
                            new ChannelInitializer<Channel>() {
                              @Override
                              protected void initChannel(Channel c) {
                                c.pipeline()
                                    .addLast(Http2FrameCodecBuilder.forServer().build())
                                    .addLast(new Http2MultiplexHandler(stream));
                              }
                            }));
                    p.addLast(new HeadSeen(deadline));
                    p.addLast(new HttpObjectAggregator(maxBody));
                    p.addLast(requests);
                  }
                })
            .bind(host, config.port())
            .sync()
            .channel();
    this.port = ((InetSocketAddress) channel.localAddress()).getPort();
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  /**
   * Answers 408 and closes a connection whose request head does not arrive within the header
   * timeout of its first bytes (or of the connection's start); first in the pipeline, so it sees
   * raw bytes. Removed once the connection turns to HTTP/2.
   */
  private static final class HeaderDeadline extends ChannelInboundHandlerAdapter {
    private final long millis;
    private boolean awaiting = true;
    private ScheduledFuture<?> timer;

    HeaderDeadline(long millis) {
      this.millis = millis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      arm(ctx);
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (awaiting && timer == null) {
        arm(ctx);
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disarm();
      ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      disarm();
    }

    /** The request head arrived. */
    void headSeen() {
      awaiting = false;
      disarm();
    }

    /** The answer is out: the next request's first bytes start a new deadline. */
    void answered() {
      awaiting = true;
    }

    private void arm(ChannelHandlerContext ctx) {
      disarm();
      timer =
          ctx.executor()
              .schedule(
                  () -> {
                    timer = null;
                    FullHttpResponse r =
                        new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.REQUEST_TIMEOUT,
                            Unpooled.copiedBuffer(
                                "{\"error\":\"the request head did not arrive within "
                                    + millis
                                    + " ms\"}",
                                StandardCharsets.UTF_8));
                    r.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                    // Written below the codec: the connection's parser state does not matter.
                    ctx.writeAndFlush(encode(r)).addListener(ChannelFutureListener.CLOSE);
                  },
                  millis,
                  TimeUnit.MILLISECONDS);
    }

    private void disarm() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private static ByteBuf encode(FullHttpResponse r) {
      StringBuilder head = new StringBuilder("HTTP/1.1 ").append(r.status()).append("\r\n");
      for (Map.Entry<String, String> h : r.headers()) {
        head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      head.append("\r\n");
      ByteBuf out = Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII);
      ByteBuf all = Unpooled.wrappedBuffer(out, r.content());
      return all;
    }
  }

  /** After the codec: tells the deadline a request head arrived, drops it for HTTP/2. */
  private static final class HeadSeen extends ChannelInboundHandlerAdapter {
    private final HeaderDeadline deadline;

    HeadSeen(HeaderDeadline deadline) {
      this.deadline = deadline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        deadline.headSeen();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent
          || evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
        if (ctx.pipeline().context(deadline) != null) {
          ctx.pipeline().remove(deadline);
        }
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** Hands each aggregated request to a virtual thread and writes its answer. */
  @ChannelHandler.Sharable
  private static final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Handler handler;

    Requests(Handler handler) {
      this.handler = handler;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      String method = req.method().name();
      QueryStringDecoder uri = new QueryStringDecoder(req.uri());
      Map<String, String> query = new HashMap<>();
      for (Map.Entry<String, List<String>> e : uri.parameters().entrySet()) {
        if (!e.getValue().isEmpty()) {
          query.put(e.getKey(), e.getValue().get(0));
        }
      }
      Map<String, String> headers = new HashMap<>();
      for (Map.Entry<String, String> h : req.headers()) {
        headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
      }
      ByteBuf content = req.content();
      byte[] body = new byte[content.readableBytes()];
      content.readBytes(body);
      String path = uri.path();
      Thread worker =
          Thread.ofVirtual()
              .unstarted(
                  () -> {
                    HttpResponse r = handler.handle(method, path, query, headers, body);
                    write(ctx, r, keepAlive);
                  });
      // A client that goes away interrupts its request: one waiting for a replica is dropped.
      ChannelFutureListener gone = f -> worker.interrupt();
      ctx.channel().closeFuture().addListener(gone);
      worker.start();
    }

    private static void write(ChannelHandlerContext ctx, HttpResponse r, boolean keepAlive) {
      if (!ctx.channel().isActive()) {
        return;
      }
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(r.status()),
              Unpooled.wrappedBuffer(r.body()));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      r.headers().forEach((k, v) -> res.headers().set(k, v));
      res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
      if (keepAlive) {
        HeaderDeadline deadline = ctx.channel().pipeline().get(HeaderDeadline.class);
        ctx.writeAndFlush(res)
            .addListener(
                f -> {
                  if (deadline != null) {
                    deadline.answered();
                  }
                });
      } else {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
