package dev.prism.runtime.cli;

import java.util.List;

/**
 * Walks a subcommand's arguments: options as {@code --name value} or {@code --name=value}, and
 * flags as {@code --name}. Each error names the subcommand and the option.
 */
final class Args {

  private final String command;
  private final List<String> args;
  private int next;
  private String pendingValue;

  Args(String command, List<String> args) {
    this.command = command;
    this.args = List.copyOf(args);
  }

  /** Whether another option is left. */
  boolean hasNext() {
    return next < args.size();
  }

  /**
   * The next option's name ({@code --name}); a {@code =value} part is kept for {@link #value}.
   *
   * @throws CliException if the next argument is not an option
   */
  String nextOption() {
    String arg = args.get(next++);
    pendingValue = null;
    if (!arg.startsWith("-")) {
      throw CliException.usage(
          command
              + ": unexpected argument '"
              + arg
              + "'; options start with --; see 'prism "
              + command
              + " --help'");
    }
    int eq = arg.indexOf('=');
    if (arg.startsWith("--") && eq > 2) {
      pendingValue = arg.substring(eq + 1);
      return arg.substring(0, eq);
    }
    return arg;
  }

  /**
   * The value of the option just read.
   *
   * @throws CliException if there is none
   */
  String value(String option) {
    if (pendingValue != null) {
      String v = pendingValue;
      pendingValue = null;
      return v;
    }
    if (next >= args.size() || (args.get(next).startsWith("--") && args.get(next).length() > 2)) {
      throw CliException.usage(
          command + ": " + option + " needs a value; see 'prism " + command + " --help'");
    }
    return args.get(next++);
  }

  /** Fails when a flag was given a value ({@code --head=yes}). */
  void noValue(String option) {
    if (pendingValue != null) {
      throw CliException.usage(command + ": " + option + " takes no value");
    }
  }

  /** An unknown option's error. */
  CliException unknown(String option) {
    return CliException.usage(
        command + ": unknown option '" + option + "'; see 'prism " + command + " --help'");
  }

  /** Parses a whole number within bounds. */
  int intValue(String option, int min, int max) {
    String v = value(option);
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CliException.usage(
        command + ": " + option + " '" + v + "' is not a whole number from " + min + " to " + max);
  }
}
