package dev.prism.runtime.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code prism} command line (the {@code prism} launcher script runs this class), on picocli:
 * {@code start}, {@code status}, {@code stop}, {@code job submit|status|logs|stop|list}, {@code
 * list <kind>}, {@code summary <kind>}, {@code timeline}, {@code logs}, {@code completion} and
 * {@code help}; each takes {@code --help}.
 *
 * <ul>
 *   <li>{@code prism start --head [options]}: starts a head (GCS and node manager) as a background
 *       process and prints how to connect; see {@link StartCommand}.
 *   <li>{@code prism start --address HOST:PORT [options]}: starts a node here that joins the
 *       cluster; prints its node id.
 *   <li>{@code prism status [--address HOST:PORT]}: nodes, resources and actors of a cluster.
 *   <li>{@code prism stop [--force]}: stops this machine's processes started by {@code start}.
 *   <li>{@code prism completion}: a bash completion script for all of them.
 * </ul>
 *
 * <p>Every error prints one clear message on stderr that says what to do (an unknown command or
 * option with the closest name); the exit code is 2 for a bad command line, 1 for a failure (port
 * in use, no head, a node that does not start), 0 otherwise. Every wait is bounded.
 */
@Command(
    name = "prism",
    description = "Starts, inspects and stops Prism clusters, and runs jobs on them.",
    subcommands = {
      StartCommand.class,
      StatusCommand.class,
      StopCommand.class,
      JobCommand.class,
      ListCommand.class,
      SummaryCommand.class,
      TimelineCommand.class,
      LogsCommand.class,
      CompletionCommand.class,
      HelpCommand.class
    },
    footer = {
      "",
      "'prism <command> --help' (or 'prism help <command>') lists a command's options.",
      "Exit codes: 0 done, 1 failed (stderr says why and what to do), 2 bad command line."
    })
public final class Cli implements Callable<Integer> {

  @Mixin HelpOption help;

  @Spec CommandSpec spec;

  private final CliContext context;

  private Cli(CliContext context) {
    this.context = context;
  }

  /**
   * Runs a command and exits with its code.
   *
   * @param args the command and its options
   */
  public static void main(String[] args) {
    int code = run(Arrays.asList(args), System.out, System.err, System.getenv());
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs a command.
   *
   * @param args the command and its options
   * @param out where results go
   * @param err where errors go
   * @param env the environment ({@code PRISM_ADDRESS} is read from it)
   * @return the exit code: 0, 1 (failure) or 2 (bad command line)
   */
  public static int run(
      List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, CliContext.of(out, err, env));
  }

  /** Runs a command with a context of its own (a test's {@code --follow} that stops). */
  static int run(List<String> args, CliContext context) {
    CommandLine cl = commandLine(context);
    int code = cl.execute(args.toArray(String[]::new));
    cl.getOut().flush();
    cl.getErr().flush();
    context.out().flush();
    context.err().flush();
    return code;
  }

  /** {@code prism} with no command: the list of commands, as an error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(context.err());
    return CliException.USAGE;
  }

  /**
   * The whole command line: {@code prism} and its commands, writing to the context's streams,
   * errors reported as {@link CliException}'s contract says.
   */
  static CommandLine commandLine(CliContext context) {
    CommandLine cl = configure(new CommandLine(new Cli(context), new Factory(context)));
    cl.setOut(new PrintWriter(context.out(), true, context.out().charset()));
    cl.setErr(new PrintWriter(context.err(), true, context.err().charset()));
    cl.setParameterExceptionHandler(
        (e, args) -> {
          context
              .err()
              .println(errorLine(e.getCommandLine().getCommandSpec(), UsageErrors.what(e)));
          return CliException.USAGE;
        });
    cl.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          CommandSpec s = command.getCommandSpec();
          if (e instanceof CliException c) {
            context.err().println(errorLine(s, c.getMessage()));
            return c.exitCode();
          }
          context.err().println(errorLine(s, e.toString()));
          return CliException.FAILURE;
        });
    return cl;
  }

  /**
   * Sets what every {@code prism} command line parses the same way: an option given twice keeps the
   * last value (a list option keeps all), {@code @file} arguments are not expanded (a job's
   * arguments are passed as they are), {@code ${...}} in help texts is printed as it is, and the
   * help reads {@code usage:} with lower-case headings.
   *
   * @param cl the command line (before subcommands are added by hand, if any)
   * @return {@code cl}
   */
  static CommandLine configure(CommandLine cl) {
    cl.setOverwrittenOptionsAllowed(true);
    cl.setExpandAtFiles(false);
    cl.setInterpolateVariables(false);
    cl.setUsageHelpWidth(100);
    style(cl);
    return cl;
  }

  private static void style(CommandLine cl) {
    cl.getCommandSpec()
        .usageMessage()
        .sortOptions(false)
        .synopsisHeading("usage: ")
        .descriptionHeading("%n")
        .parameterListHeading("%narguments:%n")
        .optionListHeading("%noptions:%n")
        .commandListHeading("%ncommands:%n");
    cl.getSubcommands().values().forEach(Cli::style);
  }

  /**
   * An error's line: {@code prism COMMAND: message}, the command's words once (a message that
   * starts with the command's name, {@code start: give --head ...}, gets only the words before it).
   */
  static String errorLine(CommandSpec spec, String message) {
    String path = UsageErrors.path(spec);
    if (path.isEmpty()) {
      return "prism: " + message;
    }
    String name = spec.name();
    if (message.startsWith(name + ": ")) {
      return "prism " + path.substring(0, path.length() - name.length()) + message;
    }
    return "prism " + path + ": " + message;
  }

  /**
   * The cluster to show when no {@code --address} is given: {@code PRISM_ADDRESS}, else the latest
   * session's GCS.
   */
  static String resolveAddress(Map<String, String> env, Path root) {
    String fromEnv = env.get("PRISM_ADDRESS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return StartOptions.checkAddress(fromEnv);
    }
    return SessionDir.latest(root)
        .flatMap(SessionDir::gcsAddress)
        .orElseThrow(
            () ->
                CliException.failure(
                    "no Prism cluster to show: no --address, no"
                        + " PRISM_ADDRESS, and no session under "
                        + root
                        + "; start one with"
                        + " 'prism start --head'"));
  }

  /** Creates the commands with the context they run in (a constructor that takes it), else bare. */
  private record Factory(CliContext context) implements IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      Constructor<K> withContext;
      try {
        withContext = cls.getDeclaredConstructor(CliContext.class);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
      withContext.setAccessible(true);
      return withContext.newInstance(context);
    }
  }
}
