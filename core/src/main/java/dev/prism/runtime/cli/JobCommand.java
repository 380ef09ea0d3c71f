package dev.prism.runtime.cli;

import dev.prism.runtime.job.FileStore;
import dev.prism.runtime.job.JobClient;
import dev.prism.runtime.rpc.JobStatusProto;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code prism job submit|status|logs|stop|list}: jobs run by a cluster's head (see {@link
 * dev.prism.runtime.job.JobManager}). {@code submit} uploads the jars ({@code --classpath-dir}:
 * every file of the directory, packed into one jar with fixed timestamps, so the same directory
 * gives the same hash), submits, and follows the driver's output until the job ends: exit code 0
 * when it SUCCEEDED, 1 otherwise; {@code --no-wait} prints the submission id and returns.
 */
@Command(
    name = "job",
    description = "Runs and manages jobs (drivers run by the cluster's head with their own jars).",
    subcommands = {
      JobCommand.Submit.class,
      JobCommand.Status.class,
      JobCommand.Logs.class,
      JobCommand.Stop.class,
      JobCommand.ListJobs.class,
      HelpCommand.class
    })
final class JobCommand implements Callable<Integer> {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  @Mixin HelpOption help;

  @Spec CommandSpec spec;

  private final CliContext context;

  JobCommand(CliContext context) {
    this.context = context;
  }

  /** {@code prism job} alone: the subcommands, as an error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(context.err());
    return CliException.USAGE;
  }

  /**
   * A subcommand that talks to the head's job service: the cluster options, and a head's refusal
   * reported as a failure that names the subcommand.
   */
  abstract static class OnHead implements Callable<Integer> {

    @Mixin HelpOption help;

    @Mixin ClusterOptions cluster;

    @Spec CommandSpec spec;

    final CliContext context;

    OnHead(CliContext context) {
      this.context = context;
    }

    @Override
    public final Integer call() {
      try {
        return run();
      } catch (StatusRuntimeException e) {
        throw CliException.failure(spec.name() + ": " + JobClient.describe(e));
      }
    }

    /** Runs the subcommand; returns its exit code. */
    abstract int run();

    /** Connects to the head the cluster options name, as {@code status} resolves them. */
    JobClient connect() {
      StateConnection.Checked c =
          StateConnection.connectChecked(cluster, context.env(), CONNECT_TIMEOUT);
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

    /** The job's id, or a usage error that says to give it. */
    static String required(String id, String sub) {
      if (id == null || id.isBlank()) {
        throw CliException.usage(sub + ": give the job's submission id: prism job " + sub + " ID");
      }
      return id;
    }
  }

  /** {@code prism job submit}. */
  @Command(
      name = "submit",
      description = {
        "Uploads the jars, runs CLASS on the head with ARGS and follows its output.",
        "Exit code 0 when the job succeeded, 1 otherwise. Every argument after -- goes to CLASS's"
            + " main as it is."
      })
  static final class Submit extends OnHead {

    @Option(
        names = "--jar",
        paramLabel = "FILE",
        converter = OptionTypes.AbsolutePath.class,
        description = "a jar of the job (repeat for several)")
    List<Path> jars = new ArrayList<>();

    @Option(
        names = "--classpath-dir",
        paramLabel = "DIR",
        converter = OptionTypes.AbsolutePath.class,
        description = "a directory of classes, packed into one jar with fixed timestamps")
    Path dir;

    @Option(names = "--main", paramLabel = "CLASS", description = "the main class (required)")
    String main;

    @Option(
        names = "--submission-id",
        paramLabel = "ID",
        description = "the job's id (default: the head chooses one)")
    String id = "";

    @Option(
        names = "--env",
        paramLabel = "NAME=VALUE",
        converter = OptionTypes.EnvVarType.class,
        description = "an environment variable of the driver (repeat for several)")
    List<OptionTypes.EnvVar> env = new ArrayList<>();

    @Option(
        names = "--runtime-env-json",
        paramLabel = "JSON",
        description =
            "the default runtime environment of the job's tasks and actors: {\"env_vars\":"
                + " {...}, \"jvm_options\": [...], \"class_path\": [jars or directories]}")
    String runtimeEnvJson;

    @Option(
        names = "--no-wait",
        description = "print the submission id and return instead of following the output")
    boolean noWait;

    @Parameters(paramLabel = "ARGS", arity = "0..*", description = "the job's arguments, after --")
    List<String> args = new ArrayList<>();

    Submit(CliContext context) {
      super(context);
    }

    @Override
    int run() {
      PrintStream out = context.out();
      List<String> jobArgs = jobArguments();
      if (main == null || main.isBlank()) {
        throw CliException.usage("submit: --main CLASS is required; see 'prism job submit --help'");
      }
      for (Path j : jars) {
        if (!Files.isRegularFile(j)) {
          throw CliException.usage("submit: the jar " + j + " does not exist (or is no file)");
        }
      }
      if (dir != null && !Files.isDirectory(dir)) {
        throw CliException.usage("submit: --classpath-dir " + dir + " is not a directory");
      }
      Map<String, String> jobEnv = new LinkedHashMap<>();
      env.forEach(v -> jobEnv.put(v.name(), v.value()));
      dev.prism.RuntimeEnv runtimeEnv =
          runtimeEnvJson == null ? null : JobRuntimeEnv.parse(runtimeEnvJson);
      try (JobClient client = connect()) {
        if (runtimeEnv != null && !runtimeEnv.isEmpty()) {
          jobEnv.put(
              dev.prism.runtime.worker.RuntimeEnvs.ENV,
              dev.prism.runtime.worker.RuntimeEnvs.encode(
                  JobRuntimeEnv.resolve(runtimeEnv, f -> upload(client, f))));
        }
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
        if (noWait) {
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

    /**
     * The arguments after {@code --}, as they are; an argument before it is not an option of {@code
     * submit}, so it is refused rather than passed on.
     */
    List<String> jobArguments() {
      List<String> given = spec.commandLine().getParseResult().originalArgs();
      int dashes = given.indexOf("--");
      int afterDashes = dashes < 0 ? 0 : given.size() - dashes - 1;
      if (args.size() > afterDashes) {
        throw CliException.usage(
            "submit: unexpected argument '"
                + args.getFirst()
                + "'; give the job's arguments after --: prism job submit --main CLASS ... --"
                + " ARGS");
      }
      return List.copyOf(args);
    }
  }

  /** {@code prism job status ID}. */
  @Command(name = "status", description = "Prints the job's state, exit code, times and message.")
  static final class Status extends OnHead {

    @Parameters(paramLabel = "ID", arity = "0..1", description = "the job's submission id")
    String id;

    Status(CliContext context) {
      super(context);
    }

    @Override
    int run() {
      String job = required(id, "status");
      try (JobClient client = connect()) {
        context.out().println(describe(client.status(job)));
      }
      return 0;
    }
  }

  /** {@code prism job logs ID [--follow]}. */
  @Command(
      name = "logs",
      description = "Prints the driver's output (with --follow, until the job ends).")
  static final class Logs extends OnHead {

    @Parameters(paramLabel = "ID", arity = "0..1", description = "the job's submission id")
    String id;

    @Option(
        names = {"--follow", "-f"},
        description = "keep printing the output until the job ends")
    boolean follow;

    Logs(CliContext context) {
      super(context);
    }

    @Override
    int run() {
      String job = required(id, "logs");
      try (JobClient client = connect()) {
        client.logs(job, 0, follow, bytes -> write(context.out(), bytes));
      }
      return 0;
    }
  }

  /** {@code prism job stop ID [--grace-ms MS]}. */
  @Command(
      name = "stop",
      description = "Stops the driver: SIGTERM, then SIGKILL after the grace period.")
  static final class Stop extends OnHead {

    @Parameters(paramLabel = "ID", arity = "0..1", description = "the job's submission id")
    String id;

    @Option(
        names = "--grace-ms",
        paramLabel = "MS",
        converter = OptionTypes.Millis.class,
        description = "how long the driver may take to stop before SIGKILL (default 0)")
    int graceMs;

    Stop(CliContext context) {
      super(context);
    }

    @Override
    int run() {
      String job = required(id, "stop");
      try (JobClient client = connect()) {
        context.out().println(describe(client.stop(job, Duration.ofMillis(graceMs))));
      }
      return 0;
    }
  }

  /** {@code prism job list}. */
  @Command(name = "list", description = "Lists every job of the cluster.")
  static final class ListJobs extends OnHead {

    ListJobs(CliContext context) {
      super(context);
    }

    @Override
    int run() {
      try (JobClient client = connect()) {
        List<JobStatusProto> jobs = client.list();
        if (jobs.isEmpty()) {
          context.out().println("no jobs");
        }
        for (JobStatusProto j : jobs) {
          context.out().println(describe(j));
        }
      }
      return 0;
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
      FileStore.packDirectory(dir, jar);
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
