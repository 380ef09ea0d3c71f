package dev.prism.runtime.cli;

import picocli.CommandLine.Option;

/** The {@code -h}/{@code --help} option every command of the command line takes. */
final class HelpOption {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "print this help and exit")
  boolean help;
}
