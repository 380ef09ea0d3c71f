package dev.prism.bench.http;

import java.nio.charset.StandardCharsets;

/** Shared constants for the four benchmark servers. */
final class Common {
    static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);
    static final String JSON = "application/json";

    private Common() {}

    /** Port from the first argument, else the given default. */
    static int port(String[] args, int dflt) {
        return args.length > 0 ? Integer.parseInt(args[0]) : dflt;
    }

    /** The /block route's simulated remote call: 1 ms blocking wait. */
    static void block() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void ready(String name, int port) {
        System.out.println(name + " listening on " + port);
    }
}
