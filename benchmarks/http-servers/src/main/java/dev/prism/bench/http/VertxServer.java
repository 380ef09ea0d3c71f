package dev.prism.bench.http;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Vert.x 5 core: one HTTP-server verticle per core (event loops share the
 * port), native epoll transport when available (-Dtransport=nio forces NIO).
 * /block is offloaded to a virtual-thread executor and ended back on the
 * verticle's context. h2c (prior knowledge + upgrade) is on by default.
 */
public final class VertxServer {
    private static final ExecutorService VT = Executors.newVirtualThreadPerTaskExecutor();

    static final class ServerVerticle extends VerticleBase {
        private final int port;
        private final Buffer body = Buffer.buffer(Common.BODY);

        ServerVerticle(int port) {
            this.port = port;
        }

        @Override
        public Future<?> start() {
            return vertx.createHttpServer(new HttpServerOptions().setPort(port).setTcpNoDelay(true))
                    .requestHandler(this::handle)
                    .listen();
        }

        private void handle(HttpServerRequest req) {
            String path = req.path();
            HttpMethod m = req.method();
            if (path.equals("/block") && m == HttpMethod.GET) {
                Context ctx = context;
                VT.execute(() -> {
                    Common.block();
                    ctx.runOnContext(v -> ok(req));
                });
            } else if (path.equals("/") && m == HttpMethod.GET) {
                ok(req);
            } else if (path.equals("/echo") && m == HttpMethod.POST) {
                req.body().onSuccess(b -> ok(req)); // read and discard the body
            } else {
                req.response().setStatusCode(404).end();
            }
        }

        private void ok(HttpServerRequest req) {
            req.response().putHeader("content-type", Common.JSON).end(body);
        }
    }

    public static void main(String[] args) {
        int port = Common.port(args, 8083);
        boolean nativeTransport = !"nio".equals(System.getProperty("transport"));
        int cores = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(nativeTransport));
        vertx.deployVerticle(() -> new ServerVerticle(port), new DeploymentOptions().setInstances(cores))
                .onSuccess(id -> Common.ready("vertx(" + (vertx.isNativeTransportEnabled() ? "epoll" : "nio")
                        + ", " + cores + " verticles)", port))
                .onFailure(t -> {
                    t.printStackTrace();
                    System.exit(1);
                });
    }
}
