package dev.prism.runtime.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.runtime.http.HttpException;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.http.Request;
import dev.prism.runtime.http.Response;
import dev.prism.runtime.job.JobException;
import dev.prism.runtime.job.JobManager;
import dev.prism.runtime.job.JobStatus;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The job API of the head's HTTP server: the operations of {@code prism job}, over REST.
 *
 * <ul>
 *   <li>{@code PUT /api/v0/files/<sha-256>}: uploads a jar (the body; its hash must match), up to
 *       {@link #MAX_UPLOAD_BYTES}; larger ones go through {@code prism job submit}
 *   <li>{@code POST /api/v0/jobs}: {@code {"mainClass": ..., "args": [...], "jars": [hashes],
 *       "env": {...}, "submissionId": ...}} starts a job; 201 with its status
 *   <li>{@code GET /api/v0/jobs}, {@code GET /api/v0/jobs/<id>}: statuses
 *   <li>{@code GET /api/v0/jobs/<id>/logs?offset=N}: the driver's output from byte N (text; the
 *       headers {@code X-Next-Offset} and {@code X-Job-Ended} say where to go on)
 *   <li>{@code POST /api/v0/jobs/<id>/stop}: stops it
 * </ul>
 */
public final class JobRoutes {

  /** The largest jar uploaded over HTTP (the body is held in memory). */
  public static final int MAX_UPLOAD_BYTES = 64 << 20;

  private static final int LOG_CHUNK = 1 << 20;

  private JobRoutes() {}

  /**
   * Adds the job routes.
   *
   * @param server the head's server builder
   * @param jobs the head's job manager
   * @return the builder
   */
  public static HttpServer.Builder add(HttpServer.Builder server, JobManager jobs) {
    return server
        .maxBodyBytes(MAX_UPLOAD_BYTES)
        .route(
            "GET",
            "/api/v0/jobs",
            r -> {
              List<Map<String, Object>> all = jobs.list().stream().map(JobRoutes::json).toList();
              return DashboardRoutes.items(r, all);
            })
        .route("POST", "/api/v0/jobs", r -> submit(jobs, r))
        .prefix("GET", "/api/v0/jobs/", r -> get(jobs, r))
        .prefix("POST", "/api/v0/jobs/", r -> stop(jobs, r))
        .prefix("PUT", "/api/v0/files/", r -> upload(jobs, r));
  }

  /**
   * Returns a job's status as JSON.
   *
   * @param s the status
   * @return its fields
   */
  public static Map<String, Object> json(JobStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("submissionId", s.submissionId());
    m.put("status", s.state().name());
    m.put("state", s.state().name());
    m.put("mainClass", s.mainClass());
    m.put("args", s.args());
    m.put("entrypoint", String.join(" ", prepend(s.mainClass(), s.args())));
    m.put("jars", s.jars());
    m.put("exitCode", s.exitCode().isPresent() ? s.exitCode().getAsInt() : null);
    m.put("startTime", s.startTime().map(Object::toString).orElse(null));
    m.put("endTime", s.endTime().map(Object::toString).orElse(null));
    m.put("message", s.message());
    m.put("driverPid", s.driverPid());
    return m;
  }

  private static List<String> prepend(String first, List<String> rest) {
    List<String> out = new ArrayList<>();
    out.add(first);
    out.addAll(rest);
    return out;
  }

  private static Response submit(JobManager jobs, Request r) throws Exception {
    JsonNode body;
    try {
      body = Response.JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new HttpException(400, "the body is not JSON: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw new HttpException(400, "the body must be a JSON object with at least \"mainClass\"");
    }
    List<String> args = strings(body, "args");
    List<String> jars = strings(body, "jars");
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode e = body.path("env");
    if (!e.isMissingNode() && !e.isNull()) {
      if (!e.isObject()) {
        throw new HttpException(400, "\"env\" must be an object of strings");
      }
      e.properties().forEach(p -> env.put(p.getKey(), p.getValue().asText()));
    }
    String id = body.path("submissionId").asText("");
    try {
      JobStatus s =
          jobs.submit(
              new JobManager.SubmitRequest(
                  body.path("mainClass").asText(""),
                  args,
                  jars,
                  env,
                  id.isEmpty() ? Optional.empty() : Optional.of(id)));
      return Response.json(201, json(s));
    } catch (JobException x) {
      throw http(x);
    }
  }

  private static List<String> strings(JsonNode body, String field) {
    JsonNode n = body.path(field);
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new HttpException(400, "\"" + field + "\" must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static Response get(JobManager jobs, Request r) throws Exception {
    String rest = r.path().substring("/api/v0/jobs/".length());
    try {
      if (rest.endsWith("/logs")) {
        String id = rest.substring(0, rest.length() - "/logs".length());
        long offset = offset(r);
        JobManager.LogChunk c = jobs.logs(id, offset, LOG_CHUNK);
        return new Response(
            200,
            "text/plain; charset=utf-8",
            c.data(),
            Map.of(
                "X-Next-Offset",
                Long.toString(c.nextOffset()),
                "X-Job-Ended",
                Boolean.toString(c.ended()),
                "Cache-Control",
                "no-store"));
      }
      if (rest.isEmpty() || rest.contains("/")) {
        throw new HttpException(404, "nothing at " + r.path());
      }
      return Response.json(json(jobs.status(rest)));
    } catch (JobException x) {
      throw http(x);
    }
  }

  private static Response stop(JobManager jobs, Request r) {
    String rest = r.path().substring("/api/v0/jobs/".length());
    if (!rest.endsWith("/stop") || rest.length() == "/stop".length()) {
      throw new HttpException(
          404, "nothing at " + r.path() + " (stop a job with POST /api/v0/jobs/<id>/stop)");
    }
    String id = rest.substring(0, rest.length() - "/stop".length());
    try {
      boolean stopped = jobs.stop(id, Duration.ofSeconds(10));
      return Response.json(Map.of("submissionId", id, "stopped", stopped));
    } catch (JobException x) {
      throw http(x);
    }
  }

  private static Response upload(JobManager jobs, Request r) throws Exception {
    String hash = r.path().substring("/api/v0/files/".length());
    try {
      boolean existed = jobs.files().put(hash, r.body().length, new ByteArrayInputStream(r.body()));
      return Response.json(Map.of("hash", hash, "size", r.body().length, "alreadyStored", existed));
    } catch (JobException x) {
      throw http(x);
    }
  }

  private static long offset(Request r) {
    String v = r.param("offset").orElse("0");
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HttpException(400, "offset '" + v + "' is not a byte offset (0 or more)");
  }

  private static HttpException http(JobException e) {
    int status =
        switch (e.kind()) {
          case NOT_FOUND -> 404;
          case INVALID -> 400;
          case TOO_LARGE -> 413;
          default -> 500;
        };
    return new HttpException(status, e.getMessage());
  }
}
