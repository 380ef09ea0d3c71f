package dev.prism.runtime.cli;

import dev.prism.runtime.job.JobClient;
import dev.prism.runtime.rpc.JobStatusProto;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * {@code prism job submit|status|logs|stop|list}: jobs run by a cluster's head (see {@link
 * dev.prism.runtime.job.JobManager}). {@code submit} uploads the jars ({@code --classpath-dir}:
 * every file of the directory, packed into one jar with fixed timestamps, so the same directory
 * gives the same hash), submits, and follows the driver's output until the job ends: exit code 0
 * when it SUCCEEDED, 1 otherwise; {@code --no-wait} prints the submission id and returns.
 */
final class JobCommand {

  static final String HELP =
      """
      usage: prism job <submit|status|logs|stop|list> [options]
        submit [--jar FILE]... [--classpath-dir DIR] --main CLASS [--submission-id ID]
               [--env NAME=VALUE]... [--no-wait] [-- ARGS...]
                                  upload the jars, run CLASS on the head with ARGS, follow its
                                  output; exit code 0 when it succeeded, 1 otherwise
        status ID                 the job's state, exit code, times and message
        logs ID [--follow]        the driver's output (with --follow, until the job ends)
        stop ID [--grace-ms MS]   stop the driver (SIGTERM, SIGKILL after the grace period)
        list                      every job of the cluster
      options of every subcommand:
        --address HOST:PORT  the head's GCS (default: $PRISM_ADDRESS, else the head of the
                             latest session started on this machine)
        --temp-dir DIR       root of session directories (default ${TMPDIR:-/tmp}/prism-$USER)
        --token-file FILE    the cluster token (default: as 'prism status' finds it)
      """;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private JobCommand() {}

  /** Connects to the head the shared options name, as {@code status} resolves them. */
  private static JobClient connect(StateConnection.Options o, Map<String, String> env) {
    StateConnection.Checked c = StateConnection.connectChecked(o, env, CONNECT_TIMEOUT);
    c.gcs().close();
    return JobClient.connect(
        c.address(),
        c.token()
            .orElseThrow(
                () ->
                    CliException.failure(
                        "no cluster token for " + c.address() + "; give --token-file FILE"))
            .token());
  }

  /**
   * Runs {@code prism job ...}.
   *
   * @param args what follows {@code job}
   * @param out where results go
   * @param env the environment
   * @return the exit code
   */
  static int run(List<String> args, PrintStream out, Map<String, String> env) {
    if (args.isEmpty() || List.of("--help", "-h", "help").contains(args.getFirst())) {
      out.print(HELP);
      return args.isEmpty() ? CliException.USAGE : 0;
    }
    String sub = args.getFirst();
    List<String> rest = args.subList(1, args.size());
    try {
      return switch (sub) {
        case "submit" -> submit(rest, out, env);
        case "status", "logs", "stop" -> onJob(sub, rest, out, env);
        case "list" -> list(rest, out, env);
        default ->
            throw CliException.usage(
                "unknown subcommand '"
                    + sub
                    + "'; the subcommands are submit, status, logs, stop and list");
      };
    } catch (StatusRuntimeException e) {
      throw CliException.failure(sub + ": " + JobClient.describe(e));
    }
  }

  private static int submit(List<String> args, PrintStream out, Map<String, String> env) {
    int dashes = args.indexOf("--");
    List<String> options = dashes < 0 ? args : args.subList(0, dashes);
    List<String> jobArgs = dashes < 0 ? List.of() : args.subList(dashes + 1, args.size());
    Args a = new Args("job", options);
    StateConnection.Options t = new StateConnection.Options();
    List<Path> jars = new ArrayList<>();
    Path dir = null;
    String main = null;
    String id = "";
    boolean wait = true;
    Map<String, String> jobEnv = new LinkedHashMap<>();
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (t.take(opt, a)) {
        continue;
      }
      switch (opt) {
        case "--jar" -> jars.add(Path.of(a.value(opt)).toAbsolutePath());
        case "--classpath-dir" -> dir = Path.of(a.value(opt)).toAbsolutePath();
        case "--main" -> main = a.value(opt);
        case "--submission-id" -> id = a.value(opt);
        case "--env" -> {
          String v = a.value(opt);
          int eq = v.indexOf('=');
          if (eq <= 0) {
            throw CliException.usage("submit: --env '" + v + "' is not NAME=VALUE");
          }
          jobEnv.put(v.substring(0, eq), v.substring(eq + 1));
        }
        case "--no-wait" -> {
          a.noValue(opt);
          wait = false;
        }
        case "--help", "-h" -> {
          out.print(HELP);
          return 0;
        }
        default -> throw a.unknown(opt);
      }
    }
    if (main == null || main.isBlank()) {
      throw CliException.usage("submit: --main CLASS is required; see 'prism job --help'");
    }
    for (Path j : jars) {
      if (!Files.isRegularFile(j)) {
        throw CliException.usage("submit: the jar " + j + " does not exist (or is no file)");
      }
    }
    if (dir != null && !Files.isDirectory(dir)) {
      throw CliException.usage("submit: --classpath-dir " + dir + " is not a directory");
    }
    try (JobClient client = connect(t, env)) {
      List<String> hashes = new ArrayList<>();
      for (Path j : jars) {
        hashes.add(upload(client, j));
      }
      if (dir != null) {
        Path packed = packDirectory(dir);
        try {
          hashes.add(upload(client, packed));
        } finally {
          deleteQuietly(packed);
        }
      }
      JobStatusProto job = client.submit(main, jobArgs, hashes, jobEnv, id);
      String sid = job.getSubmissionId();
      if (!wait) {
        out.println(sid);
        return job.getState().equals("FAILED") ? CliException.FAILURE : 0;
      }
      out.println("prism job: submitted " + sid + "; its output follows");
      out.flush();
      JobStatusProto end = client.logs(sid, 0, true, bytes -> write(out, bytes));
      out.println("prism job: " + describe(end));
      return end.getState().equals("SUCCEEDED") ? 0 : CliException.FAILURE;
    }
  }

  private static String upload(JobClient client, Path file) {
    try {
      return client.upload(file);
    } catch (IOException e) {
      throw CliException.failure("submit: cannot upload " + file + ": " + e.getMessage());
    } catch (StatusRuntimeException e) {
      throw CliException.failure("submit: the head refused " + file + ": " + JobClient.describe(e));
    }
  }

  /** Packs every file under {@code dir} into a temporary jar, entries sorted, timestamps fixed. */
  static Path packDirectory(Path dir) {
    try {
      Path jar = Files.createTempFile("prism-job-", ".jar");
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      try (OutputStream o = Files.newOutputStream(jar);
          JarOutputStream j = new JarOutputStream(o)) {
        for (Path f : files) {
          JarEntry e = new JarEntry(dir.relativize(f).toString().replace('\\', '/'));
          e.setTime(0);
          j.putNextEntry(e);
          Files.copy(f, j);
          j.closeEntry();
        }
      }
      return jar;
    } catch (IOException e) {
      throw CliException.failure("submit: cannot pack " + dir + ": " + e.getMessage());
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary file
    }
  }

  private static void write(PrintStream out, byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    out.flush();
  }

  private static int onJob(
      String sub, List<String> args, PrintStream out, Map<String, String> env) {
    if (args.isEmpty() || args.getFirst().startsWith("-")) {
      if (!args.isEmpty() && List.of("--help", "-h").contains(args.getFirst())) {
        out.print(HELP);
        return 0;
      }
      throw CliException.usage(sub + ": give the job's submission id: prism job " + sub + " ID");
    }
    String id = args.getFirst();
    Args a = new Args("job", args.subList(1, args.size()));
    StateConnection.Options t = new StateConnection.Options();
    boolean follow = false;
    long graceMs = 0;
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (t.take(opt, a)) {
        continue;
      }
      switch (opt) {
        case "--follow", "-f" -> {
          a.noValue(opt);
          follow = true;
        }
        case "--grace-ms" -> graceMs = a.intValue(opt, 0, 3_600_000);
        default -> throw a.unknown(opt);
      }
    }
    try (JobClient client = connect(t, env)) {
      try {
        switch (sub) {
          case "status" -> out.println(describe(client.status(id)));
          case "logs" -> client.logs(id, 0, follow, bytes -> write(out, bytes));
          default -> {
            JobStatusProto s = client.stop(id, Duration.ofMillis(graceMs));
            out.println(describe(s));
          }
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          throw CliException.failure(sub + ": " + JobClient.describe(e));
        }
        throw e;
      }
    }
    return 0;
  }

  private static int list(List<String> args, PrintStream out, Map<String, String> env) {
    Args a = new Args("job", args);
    StateConnection.Options t = new StateConnection.Options();
    while (a.hasNext()) {
      String opt = a.nextOption();
      if (!t.take(opt, a)) {
        throw a.unknown(opt);
      }
    }
    try (JobClient client = connect(t, env)) {
      List<JobStatusProto> jobs = client.list();
      if (jobs.isEmpty()) {
        out.println("no jobs");
      }
      for (JobStatusProto j : jobs) {
        out.println(describe(j));
      }
    }
    return 0;
  }

  /** One line: id, state, exit code, main class, driver pid, times, message. */
  static String describe(JobStatusProto j) {
    StringBuilder b = new StringBuilder();
    b.append(j.getSubmissionId()).append(' ').append(j.getState());
    if (j.getHasExitCode()) {
      b.append(" (exit code ").append(j.getExitCode()).append(')');
    }
    b.append("  main ").append(j.getMainClass());
    if (j.getDriverPid() > 0) {
      b.append("  driver pid ").append(j.getDriverPid());
    }
    if (j.getStartTimeMs() > 0) {
      b.append("  started ").append(Instant.ofEpochMilli(j.getStartTimeMs()));
    }
    if (j.getEndTimeMs() > 0) {
      b.append("  ended ").append(Instant.ofEpochMilli(j.getEndTimeMs()));
    }
    if (!j.getMessage().isEmpty()) {
      b.append("  ").append(j.getMessage());
    }
    return b.toString();
  }
}
