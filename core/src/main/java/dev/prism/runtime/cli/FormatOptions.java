package dev.prism.runtime.cli;

import picocli.CommandLine.Option;

/** {@code --format table|json} (and its short form {@code --json}) of the state commands. */
final class FormatOptions {

  @Option(
      names = "--format",
      paramLabel = "table|json",
      converter = OptionTypes.FormatType.class,
      completionCandidates = FormatOptions.Formats.class,
      description = "an aligned table (default) or JSON")
  OptionTypes.Format format = OptionTypes.Format.TABLE;

  @Option(names = "--json", hidden = true, description = "the same as --format json")
  boolean json;

  /** Whether JSON was asked for. */
  boolean isJson() {
    return json || format == OptionTypes.Format.JSON;
  }

  /** The formats, for shell completion. */
  static final class Formats implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("table", "json").iterator();
    }
  }
}
