package dev.prism.bench.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

/**
 * Helidon SE 4 WebServer: every request runs on its own virtual thread, so the
 * handler may block (Thread.sleep) directly. helidon-webserver-http2 on the
 * class path adds h2c (prior knowledge and upgrade) on the same port.
 */
public final class HelidonServer {
    public static void main(String[] args) {
        int port = Common.port(args, 8081);
        WebServer server = WebServer.builder()
                .port(port)
                .routing(r -> r
                        .get("/", (req, res) -> {
                            res.header(HeaderNames.CONTENT_TYPE, Common.JSON);
                            res.send(Common.BODY);
                        })
                        .post("/echo", (req, res) -> {
                            req.content().as(byte[].class); // read and discard the body
                            res.header(HeaderNames.CONTENT_TYPE, Common.JSON);
                            res.send(Common.BODY);
                        })
                        .get("/block", (req, res) -> {
                            Common.block(); // parks the virtual thread
                            res.header(HeaderNames.CONTENT_TYPE, Common.JSON);
                            res.send(Common.BODY);
                        }))
                .build()
                .start();
        Common.ready("helidon", server.port());
    }
}
