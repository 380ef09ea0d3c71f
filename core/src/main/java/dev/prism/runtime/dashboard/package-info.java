/**
 * The head's web dashboard and its JSON API ({@code /api/v0/...}): cluster overview, nodes, actors,
 * placement groups (and, as they are added, jobs and tasks), served by the head's {@link
 * dev.prism.runtime.http.HttpServer} beside {@code /metrics}. The page itself is static HTML, CSS
 * and JavaScript under {@code dev/prism/runtime/http/static/} that polls the API.
 */
package dev.prism.runtime.dashboard;
