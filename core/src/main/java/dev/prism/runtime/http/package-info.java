/**
 * The HTTP server of a Prism node process: on the head it serves the web dashboard, the REST API
 * and the metrics endpoint on one port; on every other node the metrics endpoint. Every request but
 * the login page needs the cluster token, as a bearer header or through the session cookie the
 * login sets ({@link dev.prism.runtime.http.HttpAuth}); the server binds the node's address only.
 * It is built on Netty, the one HTTP library of the project (see {@code benchmarks/http-servers}).
 */
package dev.prism.runtime.http;
