package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The command line's parsing on picocli, in-process and without a cluster: generated help, typo
 * suggestions for commands and options, exit codes, {@code --resources} errors, shell completion,
 * and a job's arguments after {@code --}.
 */
@Timeout(60)
class CliParsingTest {

  @TempDir Path root;

  @Test
  void everyCommandsHelpListsItsOptions() {
    Map<List<String>, List<String>> expected =
        Map.of(
            List.of("start"),
            List.of("--head", "--address", "--num-cpus", "--resources", "--tls-cert", "--timeout"),
            List.of("status"),
            List.of("--address", "--temp-dir", "--token-file"),
            List.of("stop"),
            List.of("--force", "--grace", "--temp-dir"),
            List.of("job", "submit"),
            List.of("--jar", "--classpath-dir", "--main", "--env", "--no-wait", "ARGS"),
            List.of("job", "stop"),
            List.of("--grace-ms", "ID"),
            List.of("list"),
            List.of("<kind>", "--filter", "--limit", "--detail", "--format", "--address"),
            List.of("summary"),
            List.of("<kind>", "--format"),
            List.of("timeline"),
            List.of("--output"),
            List.of("logs"),
            List.of("--node", "--worker", "--actor", "--tail", "--follow"));
    expected.forEach(
        (command, options) -> {
          String usage = "usage: prism " + String.join(" ", command);
          Result help = cli(concat(command, "--help"));
          assertThat(help.code).as(command.toString()).isZero();
          assertThat(help.out).as(command.toString()).contains(usage).contains(options);
        });
    Result submit = cli("job", "submit", "--help");
    assertThat(cli("job", "submit", "-h").out).as("-h").isEqualTo(submit.out);
    Result viaHelp = cli("help", "job", "submit");
    assertThat(viaHelp.code).isZero();
    assertThat(viaHelp.out).as("prism help job submit").isEqualTo(submit.out);
    assertThat(cli("job", "help", "submit").out).isEqualTo(submit.out);
    assertThat(cli("--help").out)
        .contains("usage: prism")
        .contains("start", "status", "stop", "job", "list", "summary", "timeline", "logs")
        .contains("completion");
    assertThat(cli("start", "--help").out)
        .as("the two forms of start")
        .contains("prism start --head [OPTIONS]")
        .contains("prism start --address HOST:PORT [OPTIONS]")
        .contains("${TMPDIR:-/tmp}/prism-$USER");
  }

  @Test
  void noCommandPrintsTheCommandsAsAnError() {
    Result r = cli();
    assertThat(r.code).isEqualTo(CliException.USAGE);
    assertThat(r.out).isEmpty();
    assertThat(r.err).contains("usage: prism").contains("status");
    Result job = cli("job");
    assertThat(job.code).isEqualTo(CliException.USAGE);
    assertThat(job.err).contains("usage: prism job").contains("submit");
  }

  @Test
  void anUnknownCommandGetsTheClosestAndTheUsageExitCode() {
    Result r = cli("stauts");
    assertThat(r.code).isEqualTo(CliException.USAGE);
    assertThat(r.err.strip())
        .isEqualTo("prism: unknown command 'stauts'; did you mean 'status'? see 'prism help'");
    assertThat(cli("lsit", "tasks").err).contains("did you mean 'list'?");
    Result sub = cli("job", "sbumit", "--main", "M");
    assertThat(sub.code).isEqualTo(CliException.USAGE);
    assertThat(sub.err)
        .contains("prism job: unknown command 'sbumit'; did you mean 'submit'?")
        .contains("see 'prism job --help'");
    Result far = cli("frobnicate");
    assertThat(far.code).isEqualTo(CliException.USAGE);
    assertThat(far.err)
        .as("nothing close: the list instead")
        .contains("unknown command 'frobnicate'; the commands are start, status, stop, job")
        .doesNotContain("did you mean");
    assertThat(cli("help", "stauts").err).contains("did you mean 'status'?");
    Result kind = cli("list", "taks", "--temp-dir", root.toString());
    assertThat(kind.code).isEqualTo(CliException.USAGE);
    assertThat(kind.err)
        .contains("unknown kind 'taks'; the kinds are nodes, jobs")
        .contains("did you mean 'tasks'?");
  }

  @Test
  void anUnknownOptionGetsTheClosest() {
    Result r = cli("status", "--adress", "127.0.0.1:6379");
    assertThat(r.code).isEqualTo(CliException.USAGE);
    assertThat(r.err.strip())
        .isEqualTo(
            "prism status: unknown option '--adress'; did you mean '--address'? see 'prism"
                + " status --help'");
    assertThat(cli("logs", "--folow").err).contains("did you mean '--follow'?");
    assertThat(cli("list", "tasks", "--tmp-dir=/x").err)
        .contains("unknown option '--tmp-dir'; did you mean '--temp-dir'?");
    assertThat(cli("job", "submit", "--mian", "M").err)
        .contains("prism job submit: unknown option '--mian'; did you mean '--main'?");
    Result far = cli("stop", "--bogus");
    assertThat(far.code).isEqualTo(CliException.USAGE);
    assertThat(far.err).contains("unknown option '--bogus'; see 'prism stop --help'");
    assertThat(cli("status", "extra").err)
        .contains("prism status: unexpected argument 'extra'; see 'prism status --help'");
    assertThat(cli("start", "head").err)
        .as("an option without its dashes")
        .contains("prism start: unexpected argument 'head'; did you mean '--head'?");
  }

  @Test
  void badValuesSayWhatIsWrongWithTheUsageExitCode() {
    Map<List<String>, String> cases =
        Map.of(
            List.of("stop", "--grace", "soon"),
            "prism stop: --grace 'soon' is not a whole number from 0 to 3600",
            List.of("list", "tasks", "--limit", "-1"),
            "prism list: --limit '-1' is not a whole number from 0 to 2147483647",
            List.of("list", "tasks", "--format", "xml"),
            "prism list: --format 'xml' is not table or json",
            List.of("list", "tasks", "--filter", "state"),
            "prism list: bad filter 'state': write key=value",
            List.of("status", "--address", "nohost"),
            "prism status: --address 'nohost' is not HOST:PORT",
            List.of("job", "submit", "--env", "NOEQUALS", "--main", "M"),
            "prism job submit: --env 'NOEQUALS' is not NAME=VALUE",
            List.of("job", "status"),
            "prism job status: give the job's submission id: prism job status ID",
            List.of("list"),
            "prism list: which kind?");
    cases.forEach(
        (args, message) -> {
          Result r = cli(args.toArray(String[]::new));
          assertThat(r.code).as(args.toString()).isEqualTo(CliException.USAGE);
          assertThat(r.err).as(args.toString()).contains(message);
        });
  }

  @Test
  void badResourcesJsonGetsAClearMessage() {
    Map<String, String> cases =
        Map.of(
            "{\"GPU\": 2",
            "the text ends before the object does",
            "{\"a\": \"two\"}",
            "the amount of \"a\" is a string (\"two\"), not a number",
            "{\"a\": -1}",
            "the amount of \"a\" is -1; give 0 or more",
            "{\"a\": 1, \"a\": 2}",
            "resource 'a' is given twice",
            "[1]",
            "it is an array, not an object",
            "{\"a\": {\"b\": 1}}",
            "the amount of \"a\" is an object, not a number",
            "{\"a\": 1e999}",
            "the amount of \"a\" is too large",
            "{'a': 1}",
            "at character 2");
    cases.forEach(
        (json, why) -> {
          Result r = cli("start", "--head", "--resources", json, "--temp-dir", root.toString());
          assertThat(r.code).as(json).isEqualTo(CliException.USAGE);
          assertThat(r.err)
              .as(json)
              .contains("prism start: --resources '" + json + "' is not a JSON object")
              .contains(why)
              .contains("give e.g. --resources '{\"accelerator\": 1, \"disk\": 2.5}'");
        });
    assertThat(
            StartOptions.parse(
                    List.of("--head", "--resources", "{\"a\": 1}", "--resources", "{\"b\": 0.5}"))
                .resources())
        .as("given twice, the objects add up")
        .isEqualTo(Map.of("a", 1.0, "b", 0.5));
    assertThat(ResourcesJson.parse(ResourcesJson.write(Map.of("x \"y\" \\ z", 2.5))))
        .isEqualTo(Map.of("x \"y\" \\ z", 2.5));
  }

  @Test
  void aValueGivenTwiceKeepsTheLast() {
    StartOptions o = StartOptions.parse(List.of("--head", "--num-cpus", "2", "--num-cpus=3"));
    assertThat(o.numCpus()).contains(3);
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--node-id", "x")))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("start: unknown option '--node-id'")
        .hasMessageContaining("see 'prism start --help'");
    assertThat(StartOptions.parseForNode(List.of("--head", "--node-id", "x")).nodeId())
        .contains("x");
  }

  @Test
  void completionPrintsABashScriptForEveryCommand() {
    Result r = cli("completion");
    assertThat(r.code).isZero();
    assertThat(r.out)
        .startsWith("#!/usr/bin/env bash")
        .contains("complete -F _complete_prism")
        .contains("complete -F _complete_prism -o default ./prism")
        .contains("start", "status", "stop", "job", "list", "summary", "timeline", "logs")
        .contains("submit")
        .contains("--num-cpus", "--resources", "--filter", "--follow")
        .as("list's kinds and the formats are completed too")
        .contains("placement-groups")
        .contains("\"table\" \"json\"");
    assertThat(r.out).doesNotContain("--node-id").doesNotContain("--session-dir");
  }

  @Test
  void jobSubmitPassesEverythingAfterTheDashesToTheJob() {
    assertThat(submitArgs("--main", "M", "--", "a", "b", "--c")).containsExactly("a", "b", "--c");
    assertThat(submitArgs("--jar", "x.jar", "--main", "M", "--", "--main", "--", "@file", "-h"))
        .containsExactly("--main", "--", "@file", "-h");
    assertThat(submitArgs("--main", "M")).isEmpty();
    assertThat(submitArgs("--main", "M", "--")).isEmpty();
    Result before = cli("job", "submit", "stray", "--main", "M", "--", "a");
    assertThat(before.code).isEqualTo(CliException.USAGE);
    assertThat(before.err)
        .contains("prism job submit: unexpected argument 'stray'")
        .contains("give the job's arguments after --");
  }

  private static List<String> submitArgs(String... submitArgs) {
    CommandLine cl = Cli.commandLine(CliContext.of(System.out, System.err, Map.of()));
    ParseResult parsed = cl.parseArgs(concat(List.of("job", "submit"), submitArgs));
    Object command = parsed.subcommand().subcommand().commandSpec().userObject();
    return ((JobCommand.Submit) command).jobArguments();
  }

  @Test
  void suggestionsAreCloseOrNone() {
    List<String> names = List.of("start", "status", "stop", "summary", "timeline");
    assertThat(Suggestions.closest("stauts", names)).contains("status");
    assertThat(Suggestions.closest("sto", names)).contains("stop");
    assertThat(Suggestions.closest("summ", names)).contains("summary");
    assertThat(Suggestions.closest("timelime", names)).contains("timeline");
    assertThat(Suggestions.closest("xyz", names)).isEmpty();
    assertThat(Suggestions.closest("--tmp-dir", List.of("--temp-dir", "--token-file")))
        .contains("--temp-dir");
    assertThat(Suggestions.distance("ab", "ba")).isEqualTo(1);
    assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
  }

  private static String[] concat(List<String> first, String... rest) {
    String[] all = new String[first.size() + rest.length];
    for (int i = 0; i < first.size(); i++) {
      all[i] = first.get(i);
    }
    System.arraycopy(rest, 0, all, first.size(), rest.length);
    return all;
  }

  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            List.of(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
