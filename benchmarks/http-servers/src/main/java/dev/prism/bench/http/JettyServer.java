package dev.prism.bench.http;

import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty 12.1 core API: one Handler.Abstract (blocking invocation type), the
 * thread pool's virtual-thread executor set, so each request's handler runs on
 * a virtual thread and may Thread.sleep directly. The connector also speaks
 * h2c (prior knowledge + upgrade) on the same port.
 */
public final class JettyServer {
    static final class BenchHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request req, Response res, Callback cb) throws Exception {
            String path = Request.getPathInContext(req);
            String m = req.getMethod();
            if (path.equals("/block") && HttpMethod.GET.is(m)) {
                Common.block();
            } else if (path.equals("/echo") && HttpMethod.POST.is(m)) {
                Content.Source.asByteBuffer(req); // read and discard the body
            } else if (!(path.equals("/") && HttpMethod.GET.is(m))) {
                return false; // Jetty answers 404
            }
            res.setStatus(HttpStatus.OK_200);
            res.getHeaders().put(HttpHeader.CONTENT_TYPE, Common.JSON);
            res.getHeaders().put(HttpHeader.CONTENT_LENGTH, Common.BODY.length);
            res.write(true, ByteBuffer.wrap(Common.BODY), cb);
            return true;
        }
    }

    public static void main(String[] args) throws Exception {
        int port = Common.port(args, 8084);
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        HttpConfiguration cfg = new HttpConfiguration();
        cfg.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server,
                new HttpConnectionFactory(cfg), new HTTP2CServerConnectionFactory(cfg));
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new BenchHandler());
        server.start();
        Common.ready("jetty", port);
    }
}
