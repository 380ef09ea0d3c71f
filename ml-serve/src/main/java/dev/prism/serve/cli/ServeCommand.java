package dev.prism.serve.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.PrismException;
import dev.prism.serve.ProxyLocation;
import dev.prism.serve.Serve;
import dev.prism.serve.ServeException;
import dev.prism.serve.ServeStatus;
import dev.prism.serve.config.ServeYaml;
import dev.prism.serve.internal.Json;
import dev.prism.serve.internal.ServeClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code prism serve} command line (Ray Serve's {@code serve} CLI): deploys the applications of
 * a config file ({@link ServeYaml}) to a running cluster, shows Serve's status, shuts Serve down.
 *
 * <ul>
 *   <li>{@code prism serve deploy FILE [--address HOST:PORT] [--timeout SECONDS]}: joins the
 *       cluster, starts Serve with the file's HTTP options (a running Serve keeps its own), deploys
 *       every application, waits until they run, prints the status and the applications' URLs.
 *   <li>{@code prism serve status [--address HOST:PORT] [--json]}: proxies, applications,
 *       deployments and replicas, as tables or as JSON.
 *   <li>{@code prism serve shutdown [--address HOST:PORT]}: deletes every application, stops the
 *       proxies and the controller.
 * </ul>
 *
 * <p>The cluster is the one at {@code --address}, else at {@code $PRISM_ADDRESS}; its token is
 * found as {@link Prism#init(PrismConfig)} finds it. Exit codes: 0 done, 1 failed (one line on
 * stderr says why and what to do), 2 bad command line. Applications keep running after the command
 * exits: Serve's controller and replicas are detached actors.
 */
@Command(
    name = "prism serve",
    mixinStandardHelpOptions = true,
    version = "prism serve 0.1",
    description =
        "Deploys Serve applications from a config file, shows their status, shuts Serve down.",
    commandListHeading = "%nCommands:%n",
    footer = {
      "",
      "The cluster is the one at --address, else at $PRISM_ADDRESS (the address 'prism start"
          + " --head' printed).",
      "Exit codes: 0 done, 1 failed (stderr says why), 2 bad command line."
    })
public final class ServeCommand implements Callable<Integer> {

  private static final String ADDRESS_HELP =
      "the cluster's head (GCS), as 'prism start --head' printed it (default: $PRISM_ADDRESS)";

  @Spec private CommandSpec spec;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  private ServeCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  /**
   * Runs a command and exits with its code.
   *
   * @param args the command and its options
   */
  public static void main(String[] args) {
    int code = run(System.out, System.err, System.getenv(), args);
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs a command in this process.
   *
   * @param out where results go
   * @param err where errors go
   * @param env the environment ({@code PRISM_ADDRESS} is read from it)
   * @param args the command and its options
   * @return the exit code: 0 done, 1 failed, 2 bad command line
   */
  public static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    CommandLine cl = new CommandLine(new ServeCommand(out, err, env));
    cl.setOut(new PrintWriter(out, true, out.charset()));
    cl.setErr(new PrintWriter(err, true, err.charset()));
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String name = cmd.getCommandName().equals("prism serve") ? "" : cmd.getCommandName();
          err.println("prism serve " + (name.isEmpty() ? "" : name + ": ") + message(e));
          err.flush();
          return CommandLine.ExitCode.SOFTWARE;
        });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    err.print(spec.commandLine().getUsageMessage());
    return CommandLine.ExitCode.USAGE;
  }

  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = {
        "Deploys the applications of a config file to a running cluster and waits until they run.",
        "Starts Serve with the file's proxy_location and http_options (a running Serve keeps its"
            + " own until 'prism serve shutdown'); applications not in the file keep running."
      })
  int deploy(
      @Parameters(paramLabel = "FILE", description = "the config file (YAML)") Path file,
      @Option(names = "--address", paramLabel = "HOST:PORT", description = ADDRESS_HELP)
          String address,
      @Option(
              names = "--timeout",
              paramLabel = "SECONDS",
              defaultValue = "300",
              description = "how long each application may take to run (default: ${DEFAULT-VALUE})")
          long timeoutSeconds) {
    CommandSpec sub = spec.subcommands().get("deploy").getCommandSpec();
    if (timeoutSeconds < 1) {
      throw new ParameterException(
          sub.commandLine(), "--timeout is " + timeoutSeconds + "; it must be >= 1");
    }
    String at = address(sub, address);
    ServeYaml yaml;
    try {
      yaml = ServeYaml.load(file);
    } catch (NoSuchFileException e) {
      throw new Failure("there is no file " + file);
    } catch (IOException e) {
      throw new Failure("cannot read " + file + ": " + e);
    }
    return joined(
        at,
        () -> {
          boolean wasRunning = ServeClient.findController().isPresent();
          int n = yaml.applications().size();
          out.println(
              "Deploying "
                  + n
                  + (n == 1 ? " application" : " applications")
                  + " from "
                  + file
                  + " to the Prism cluster at "
                  + at
                  + " ...");
          out.flush();
          yaml.deploy(Duration.ofSeconds(timeoutSeconds));
          ServeStatus s = Serve.status();
          out.println();
          out.print(StatusText.render(at, s));
          out.println();
          String base = StatusText.baseUrl(s);
          if (wasRunning) {
            keptSettingsNote(yaml, base);
          }
          out.println("Running:");
          int width = yaml.applications().stream().mapToInt(a -> a.name().length()).max().orElse(0);
          for (ServeYaml.App a : yaml.applications()) {
            String url = StatusText.url(base, a.routePrefix());
            out.println(
                "  "
                    + a.name()
                    + " ".repeat(width - a.name().length() + 2)
                    + (url.equals("-") ? "(no HTTP route: reach it through a handle)" : url));
          }
          return 0;
        });
  }

  /** Tells when Serve was running already with proxies the file does not ask for. */
  private void keptSettingsNote(ServeYaml yaml, String base) {
    int port = yaml.config().port();
    boolean disabled = yaml.config().proxyLocation() == ProxyLocation.DISABLED;
    boolean otherPort = base != null && port != 0 && !base.endsWith(":" + port);
    if (otherPort || (disabled && base != null) || (!disabled && base == null)) {
      out.println(
          "Note: Serve was running already and keeps its HTTP settings"
              + (base == null ? " (no HTTP proxy)" : " (proxy at " + base + ")")
              + "; the file's proxy_location and http_options apply after 'prism serve shutdown'.");
      out.println();
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows Serve's proxies, applications, deployments and replicas.")
  int status(
      @Option(names = "--address", paramLabel = "HOST:PORT", description = ADDRESS_HELP)
          String address,
      @Option(names = "--json", description = "print the status as JSON") boolean json) {
    String at = address(spec.subcommands().get("status").getCommandSpec(), address);
    return joined(
        at,
        () -> {
          boolean running = ServeClient.findController().isPresent();
          ServeStatus s = running ? Serve.status() : new ServeStatus(List.of(), Map.of());
          if (json) {
            try {
              out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(s));
            } catch (JsonProcessingException e) {
              throw new Failure("cannot write the status as JSON: " + e.getOriginalMessage());
            }
          } else if (!running) {
            out.println(
                "Serve is not running on the Prism cluster at "
                    + at
                    + "; deploy applications with 'prism serve deploy FILE'.");
          } else {
            out.print(StatusText.render(at, s));
          }
          return 0;
        });
  }

  @Command(
      name = "shutdown",
      mixinStandardHelpOptions = true,
      description = "Deletes every application and stops Serve's proxies and controller.")
  int shutdown(
      @Option(names = "--address", paramLabel = "HOST:PORT", description = ADDRESS_HELP)
          String address) {
    String at = address(spec.subcommands().get("shutdown").getCommandSpec(), address);
    return joined(
        at,
        () -> {
          if (ServeClient.findController().isEmpty()) {
            out.println(
                "Serve is not running on the Prism cluster at " + at + "; nothing to shut down.");
            return 0;
          }
          int apps;
          try {
            apps = Serve.status().applications().size();
          } catch (RuntimeException e) {
            apps = -1; // the controller does not answer: shut it down all the same
          }
          Serve.shutdown();
          out.println(
              "Serve shut down on the Prism cluster at "
                  + at
                  + (apps < 0
                      ? ""
                      : ": " + apps + (apps == 1 ? " application" : " applications") + " deleted")
                  + "; its proxies and controller stopped.");
          return 0;
        });
  }

  /** The cluster's address: {@code --address}, else {@code PRISM_ADDRESS}. */
  private String address(CommandSpec sub, String option) {
    if (option != null) {
      String bad = checkAddress(option);
      if (bad != null) {
        throw new ParameterException(sub.commandLine(), "--address: " + bad);
      }
      return option.trim();
    }
    String fromEnv = env.get("PRISM_ADDRESS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      String bad = checkAddress(fromEnv);
      if (bad != null) {
        throw new Failure("PRISM_ADDRESS: " + bad + "; fix it, or give --address HOST:PORT");
      }
      return fromEnv.trim();
    }
    throw new Failure(
        "no cluster to join: give --address HOST:PORT or set PRISM_ADDRESS to the address 'prism"
            + " start --head' printed (no cluster running? start one with 'prism start --head')");
  }

  private static String checkAddress(String address) {
    try {
      PrismConfig.builder().address(address.trim()).build();
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /**
   * Runs a body as a driver of the cluster: joins it (unless this process is a driver already) and
   * leaves it after, Serve's applications staying.
   */
  private int joined(String address, IntSupplier body) {
    boolean own = !Prism.isInitialized();
    if (own) {
      try {
        Prism.init(address);
      } catch (RuntimeException e) {
        if (Prism.isInitialized()) {
          Prism.shutdown();
        }
        throw new Failure(
            "cannot join the Prism cluster at "
                + address
                + ": "
                + message(e)
                + " (no cluster running? start one with 'prism start --head')");
      }
    }
    try {
      return body.getAsInt();
    } finally {
      if (own) {
        ServeClient.reset();
        Prism.shutdown();
      }
    }
  }

  /** One line saying what went wrong. */
  static String message(Throwable e) {
    String m =
        e instanceof Failure
                || e instanceof IllegalArgumentException
                || e instanceof PrismException
                || e instanceof IllegalStateException
            ? e.getMessage()
            : null;
    if (m == null || m.isBlank()) {
      m = e.toString();
    }
    String line = m.strip().lines().findFirst().orElse(m).strip();
    if (e instanceof ServeException && line.contains("failed to deploy")) {
      line += " (see 'prism serve status' and the worker logs of the replicas' node)";
    }
    return line;
  }

  /** A failure whose message says what to do; exit code 1. */
  private static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }
}
