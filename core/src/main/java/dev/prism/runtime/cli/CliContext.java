package dev.prism.runtime.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What a command of the {@code prism} command line runs with: where its results and errors go, the
 * environment it reads ({@code PRISM_ADDRESS}, the cluster token's variables), and when a command
 * that follows output ({@code prism logs --follow}) stops early. The commands get it through their
 * constructor ({@link Cli} creates them), so tests run them in-process with their own streams.
 *
 * @param out where results (and {@code --help}) go
 * @param err where errors go
 * @param env the environment
 * @param stopFollowing checked while following a log; true ends the command (a terminal's user ends
 *     it with Ctrl-C instead, so {@link #of} never stops)
 */
record CliContext(
    PrintStream out, PrintStream err, Map<String, String> env, BooleanSupplier stopFollowing) {

  /** A context whose {@code --follow} runs until what it follows ends. */
  static CliContext of(PrintStream out, PrintStream err, Map<String, String> env) {
    return new CliContext(out, err, env, () -> false);
  }
}
