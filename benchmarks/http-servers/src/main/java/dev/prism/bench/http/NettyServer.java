package dev.prism.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Netty 4.2: HttpServerCodec + HttpObjectAggregator + one handler, epoll when
 * available (-Dtransport=nio forces NIO). /block is offloaded to a
 * virtual-thread executor and written back asynchronously.
 * -Dh2c=true adds Netty's cleartext HTTP/2 handlers (prior knowledge + upgrade);
 * off by default so the measured pipeline is the plain HTTP/1.1 one.
 */
public final class NettyServer {
    private static final ByteBuf BODY =
            Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(Common.BODY));
    private static final AsciiString JSON = AsciiString.cached(Common.JSON);
    private static final ExecutorService VT = Executors.newVirtualThreadPerTaskExecutor();

    @ChannelHandler.Sharable
    static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String uri = req.uri();
            if (uri.equals("/block") && req.method() == HttpMethod.GET) {
                VT.execute(() -> {
                    Common.block();
                    write(ctx, keepAlive, HttpResponseStatus.OK); // thread-safe: hops to the event loop
                });
            } else if ((uri.equals("/") && req.method() == HttpMethod.GET)
                    || (uri.equals("/echo") && req.method() == HttpMethod.POST)) {
                write(ctx, keepAlive, HttpResponseStatus.OK);
            } else {
                write(ctx, keepAlive, HttpResponseStatus.NOT_FOUND);
            }
        }

        private static void write(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    status == HttpResponseStatus.OK ? BODY.duplicate() : Unpooled.EMPTY_BUFFER);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            if (keepAlive) {
                ctx.writeAndFlush(res);
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

    public static void main(String[] args) throws InterruptedException {
        int port = Common.port(args, 8082);
        boolean epoll = !"nio".equals(System.getProperty("transport")) && Epoll.isAvailable();
        boolean h2c = Boolean.getBoolean("h2c");
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(io); // one loop per core (x2)
        Handler handler = new Handler();
        int maxBody = 1 << 20;
        new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (!h2c) {
                            p.addLast(new HttpServerCodec(), new HttpObjectAggregator(maxBody), handler);
                            return;
                        }
                        HttpServerCodec codec = new HttpServerCodec();
                        ChannelInitializer<io.netty.channel.Channel> stream = new ChannelInitializer<>() {
                            @Override
                            protected void initChannel(io.netty.channel.Channel s) {
                                s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                        new HttpObjectAggregator(maxBody), handler);
                            }
                        };
                        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec,
                                proto -> new Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(),
                                        new Http2MultiplexHandler(stream)));
                        p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade,
                                new ChannelInitializer<io.netty.channel.Channel>() {
                                    @Override
                                    protected void initChannel(io.netty.channel.Channel c) {
                                        c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                                new Http2MultiplexHandler(stream));
                                    }
                                }));
                        p.addLast(new HttpObjectAggregator(maxBody), handler);
                    }
                })
                .bind(port)
                .sync();
        Common.ready("netty(" + (epoll ? "epoll" : "nio") + (h2c ? ",h2c" : "") + ")", port);
    }
}
