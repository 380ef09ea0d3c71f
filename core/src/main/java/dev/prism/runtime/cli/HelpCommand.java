package dev.prism.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code prism help [COMMAND...]}: the help of {@code prism}, or of a command ({@code prism help
 * job submit}); an unknown command's name gets the closest one. Under {@code job}, {@code prism job
 * help [COMMAND]} does the same for the job subcommands.
 */
@Command(name = "help", description = "Prints this help, or a command's: help COMMAND.")
final class HelpCommand implements Callable<Integer> {

  @Mixin HelpOption help;

  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      paramLabel = "COMMAND",
      arity = "0..*",
      description = "the command, e.g. 'start' or 'job submit'")
  List<String> command = new ArrayList<>();

  private final CliContext context;

  HelpCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    CommandLine target = spec.parent().commandLine();
    for (String word : command) {
      CommandLine next = target.getSubcommands().get(word);
      if (next == null) {
        throw CliException.usage(UsageErrors.unknownCommand(target.getCommandSpec(), word));
      }
      target = next;
    }
    target.usage(context.out());
    return 0;
  }
}
