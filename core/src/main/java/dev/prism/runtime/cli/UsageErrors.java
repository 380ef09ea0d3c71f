package dev.prism.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Says what is wrong with a command line that picocli refused, in one line that names the command,
 * the argument, the closest name when it looks like a typo, and where the help is: {@code status:
 * unknown option '--adress'; did you mean '--address'? see 'prism status --help'}.
 */
final class UsageErrors {

  private UsageErrors() {}

  /**
   * The message of a refused command line.
   *
   * @param e what picocli threw
   * @return {@code COMMAND: what is wrong; what to do}, or only the second part for {@code prism}
   *     itself
   */
  static String describe(ParameterException e) {
    CommandSpec spec = e.getCommandLine().getCommandSpec();
    return prefix(spec) + what(e);
  }

  /**
   * The part of a message that names the command: {@code job submit: } ({@code prism} left out),
   * empty for {@code prism} itself.
   */
  static String prefix(CommandSpec spec) {
    String path = path(spec);
    return path.isEmpty() ? "" : path + ": ";
  }

  /** The command's words after {@code prism}: {@code job submit}. */
  static String path(CommandSpec spec) {
    String q = spec.qualifiedName(" ");
    return q.equals("prism") ? "" : q.startsWith("prism ") ? q.substring(6) : q;
  }

  /** Where the command's help is: {@code 'prism job submit --help'}, {@code 'prism help'}. */
  static String helpHint(CommandSpec spec) {
    String path = path(spec);
    return path.isEmpty() ? "see 'prism help'" : "see 'prism " + path + " --help'";
  }

  /**
   * An unknown subcommand's message, with the closest name, else the list of them.
   *
   * @param spec the command whose subcommand it is not
   * @param typed what was typed
   * @return {@code unknown command 'stauts'; did you mean 'status'? see 'prism help'}
   */
  static String unknownCommand(CommandSpec spec, String typed) {
    List<String> names = visibleSubcommands(spec);
    Optional<String> closest = Suggestions.closest(typed, names);
    return "unknown command '"
        + typed
        + "'; "
        + closest
            .map(c -> "did you mean '" + c + "'? ")
            .orElse("the commands are " + String.join(", ", names) + "; ")
        + helpHint(spec);
  }

  private static List<String> visibleSubcommands(CommandSpec spec) {
    List<String> names = new ArrayList<>();
    spec.subcommands()
        .forEach(
            (name, cl) -> {
              if (!cl.getCommandSpec().usageMessage().hidden()
                  && name.equals(cl.getCommandName())) {
                names.add(name);
              }
            });
    return names;
  }

  /**
   * What is wrong and what to do, without the command's name.
   *
   * @param e what picocli threw
   * @return e.g. {@code unknown option '--adress'; did you mean '--address'? see 'prism status
   *     --help'}
   */
  static String what(ParameterException e) {
    CommandSpec spec = e.getCommandLine().getCommandSpec();
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().getFirst();
      List<String> names = optionNames(spec);
      if (u.isUnknownOption() || arg.startsWith("-")) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        return "unknown option '"
            + name
            + "'; "
            + Suggestions.closest(name, names).map(c -> "did you mean '" + c + "'? ").orElse("")
            + helpHint(spec);
      }
      if (!spec.subcommands().isEmpty()) {
        return unknownCommand(spec, arg);
      }
      return "unexpected argument '"
          + arg
          + "'; "
          + Suggestions.closest("--" + arg, names).map(c -> "did you mean '" + c + "'? ").orElse("")
          + helpHint(spec);
    }
    if (e instanceof MissingParameterException m) {
      for (ArgSpec a : m.getMissing()) {
        if (a instanceof OptionSpec o) {
          return o.names()[0] + " needs a value; " + helpHint(spec);
        }
      }
      return "give " + String.join(" ", labels(m.getMissing())) + "; " + helpHint(spec);
    }
    if (e.getCause() instanceof CliException c) {
      return c.getMessage();
    }
    if (e.getCause() instanceof TypeConversionException t
        && e.getArgSpec() instanceof OptionSpec o) {
      if (o.typeInfo().isBoolean()) {
        return o.names()[0] + " takes no value; give " + o.names()[0] + " alone";
      }
      return o.names()[0] + " " + t.getMessage();
    }
    return e.getMessage() + "; " + helpHint(spec);
  }

  private static List<String> optionNames(CommandSpec spec) {
    List<String> names = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      if (!o.hidden()) {
        names.addAll(List.of(o.names()));
      }
    }
    return names;
  }

  private static List<String> labels(List<ArgSpec> args) {
    List<String> out = new ArrayList<>();
    for (ArgSpec a : args) {
      out.add(a.paramLabel());
    }
    return out;
  }
}
