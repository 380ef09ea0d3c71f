package dev.prism;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The environment a task's or actor's worker JVM runs in: environment variables, JVM options (heap,
 * flags, system properties) and extra jars or directories on its class path, like Ray's {@code
 * runtime_env}. Immutable; validated when built.
 *
 * <p>Set it per task ({@link TaskCaller#setRuntimeEnv}), per actor ({@link
 * ActorCreator#setRuntimeEnv}) or for every task and actor of a driver ({@link
 * PrismConfig.Builder#runtimeEnv}). Workers are pooled per environment: a worker started for one
 * environment never runs a task of another. A task's environment combines with its default (the
 * driver's, or for a task submitted inside a task or actor, the environment that one runs in):
 * environment variables are merged per name, the task's value winning; JVM options are the
 * default's followed by the task's (for options given twice the JVM takes the last, so the task's
 * wins); class path entries are the default's followed by the task's. Nested tasks without an
 * environment of their own run in their parent's.
 *
 * <p>Jars and directories are uploaded to the head by content (sha-256; a directory is packed into
 * a jar first) when a task or actor using them is submitted, and node managers fetch them from
 * there, so they reach workers on every machine. An environment that cannot be set up (a jar the
 * head does not have, JVM options the JVM refuses) fails the task, or kills the actor, with a
 * {@link RuntimeEnvSetupException} that says why; it is not retried.
 *
 * <pre>{@code
 * RuntimeEnv env = RuntimeEnv.builder()
 *     .envVar("MODEL_DIR", "/data/models")
 *     .jvmOption("-Xmx2g")
 *     .classPath(Path.of("lib/tokenizer.jar"))
 *     .build();
 * Prism.task(Work::run).setRuntimeEnv(env).remote();
 * }</pre>
 */
public final class RuntimeEnv {

  private static final RuntimeEnv EMPTY = new RuntimeEnv(Map.of(), List.of(), List.of());

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Option prefixes Prism sets itself on a worker's command line. */
  private static final List<String> RESERVED_OPTIONS =
      List.of(
          "-cp",
          "-classpath",
          "--class-path",
          "-jar",
          "-XX:AOTCache",
          "-XX:AOTMode",
          "-XX:AOTConfiguration",
          "-XX:SharedArchiveFile",
          "-XX:+AutoCreateSharedArchive");

  private final Map<String, String> envVars;
  private final List<String> jvmOptions;
  private final List<Path> classPath;

  private RuntimeEnv(Map<String, String> envVars, List<String> jvmOptions, List<Path> classPath) {
    this.envVars = Collections.unmodifiableMap(new LinkedHashMap<>(envVars));
    this.jvmOptions = List.copyOf(jvmOptions);
    this.classPath = List.copyOf(classPath);
  }

  /**
   * The empty environment: the node's defaults.
   *
   * @return the empty environment
   */
  public static RuntimeEnv empty() {
    return EMPTY;
  }

  /**
   * Starts building an environment.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The environment variables set in the worker, in the order given.
   *
   * @return name to value, unmodifiable
   */
  public Map<String, String> envVars() {
    return envVars;
  }

  /**
   * The JVM options on the worker's command line, in order.
   *
   * @return the options, unmodifiable
   */
  public List<String> jvmOptions() {
    return jvmOptions;
  }

  /**
   * The jars and directories added to the worker's class path (after Prism's and the job's), in
   * order, as absolute paths.
   *
   * @return the entries, unmodifiable
   */
  public List<Path> classPath() {
    return classPath;
  }

  /**
   * Whether it sets nothing.
   *
   * @return true for the node's default environment
   */
  public boolean isEmpty() {
    return envVars.isEmpty() && jvmOptions.isEmpty() && classPath.isEmpty();
  }

  /**
   * Checks that the class path entries still exist (they are read when a task or actor is
   * submitted).
   *
   * @throws IllegalArgumentException naming an entry that is gone or is neither a jar nor a
   *     directory
   */
  public void checkClassPath() {
    for (Path p : classPath) {
      checkEntry(p);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RuntimeEnv r
        && envVars.equals(r.envVars)
        && jvmOptions.equals(r.jvmOptions)
        && classPath.equals(r.classPath);
  }

  @Override
  public int hashCode() {
    return Objects.hash(envVars, jvmOptions, classPath);
  }

  @Override
  public String toString() {
    return "RuntimeEnv[envVars="
        + envVars.keySet()
        + ", jvmOptions="
        + jvmOptions
        + ", classPath="
        + classPath
        + "]";
  }

  private static void checkEntry(Path p) {
    if (Files.isDirectory(p)) {
      return;
    }
    if (!Files.exists(p)) {
      throw new IllegalArgumentException(
          "the class path entry "
              + p
              + " does not exist; give an existing jar or directory (paths are read when the task"
              + " or actor is submitted)");
    }
    if (!Files.isRegularFile(p)
        || !p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar")) {
      throw new IllegalArgumentException(
          "the class path entry "
              + p
              + " is neither a .jar file nor a directory; give one of those");
    }
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(
          "the class path entry " + p + " is not readable; fix its permissions");
    }
  }

  /** Builds a {@link RuntimeEnv}; {@link #build} validates. */
  public static final class Builder {

    private final Map<String, String> envVars = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<Path> classPath = new ArrayList<>();

    private Builder() {}

    /**
     * Sets an environment variable of the worker (a later value for the same name replaces an
     * earlier one).
     *
     * @param name a variable name: letters, digits and '_', not starting with a digit, and not one
     *     Prism sets ({@code PRISM_*}, {@code CUDA_VISIBLE_DEVICES})
     * @param value its value (may be empty)
     * @return this builder
     */
    public Builder envVar(String name, String value) {
      envVars.put(name, value);
      return this;
    }

    /**
     * Sets several environment variables (see {@link #envVar}).
     *
     * @param vars name to value
     * @return this builder
     */
    public Builder envVars(Map<String, String> vars) {
      Objects.requireNonNull(vars, "vars").forEach(this::envVar);
      return this;
    }

    /**
     * Adds a JVM option, e.g. {@code -Xmx2g}, {@code -Dkey=value} or {@code -XX:+UseZGC}.
     *
     * @param option one option, starting with '-'; not one Prism sets itself (the class path, the
     *     AOT cache)
     * @return this builder
     */
    public Builder jvmOption(String option) {
      jvmOptions.add(option);
      return this;
    }

    /**
     * Adds several JVM options (see {@link #jvmOption}).
     *
     * @param options the options, in order
     * @return this builder
     */
    public Builder jvmOptions(List<String> options) {
      Objects.requireNonNull(options, "options").forEach(this::jvmOption);
      return this;
    }

    /**
     * Adds a jar or a directory of classes and resources to the worker's class path.
     *
     * @param entry an existing {@code .jar} file or directory
     * @return this builder
     */
    public Builder classPath(Path entry) {
      classPath.add(entry);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the environment
     * @throws IllegalArgumentException naming the first bad variable, option or path and what to do
     */
    public RuntimeEnv build() {
      for (Map.Entry<String, String> e : envVars.entrySet()) {
        String name = e.getKey();
        if (name == null || name.isBlank()) {
          throw new IllegalArgumentException(
              "an environment variable name is blank; give a name like MY_VAR");
        }
        if (!ENV_NAME.matcher(name).matches()) {
          throw new IllegalArgumentException(
              "'"
                  + name
                  + "' is not a valid environment variable name; use letters, digits and '_',"
                  + " not starting with a digit");
        }
        if (JVM_OPTION_VARIABLES.contains(name)) {
          throw new IllegalArgumentException(
              "the environment variable "
                  + name
                  + " would change the worker JVM's options behind Prism's back; give JVM"
                  + " options with RuntimeEnv.Builder.jvmOption and class path entries with"
                  + " classPath");
        }
        if (name.startsWith("PRISM_") || name.equals("CUDA_VISIBLE_DEVICES")) {
          throw new IllegalArgumentException(
              "the environment variable "
                  + name
                  + " is set by Prism for every worker and cannot be overridden; use another name");
        }
        if (e.getValue() == null) {
          throw new IllegalArgumentException(
              "the environment variable "
                  + name
                  + " has a null value; give a value (may be empty)");
        }
        checkText("the environment variable " + name, e.getValue());
      }
      for (String o : jvmOptions) {
        if (o == null || o.isBlank()) {
          throw new IllegalArgumentException("a JVM option is blank; give options like -Xmx1g");
        }
        checkText("the JVM option", o);
        if (!o.startsWith("-")) {
          throw new IllegalArgumentException(
              "the JVM option '"
                  + o
                  + "' does not start with '-'; give options such as -Xmx1g or -Dkey=value (one"
                  + " option per string)");
        }
        for (String reserved : RESERVED_OPTIONS) {
          if (o.equals(reserved)
              || (reserved.startsWith("-XX:") && o.startsWith(reserved))
              || o.startsWith(reserved + "=")) {
            throw new IllegalArgumentException(
                "the JVM option '"
                    + o
                    + "' is set by Prism for every worker; add jars and directories with"
                    + " RuntimeEnv.Builder.classPath instead, and leave the AOT cache to Prism");
          }
        }
      }
      List<Path> absolute = new ArrayList<>();
      for (Path p : classPath) {
        if (p == null) {
          throw new IllegalArgumentException("a class path entry is null; give a jar or directory");
        }
        Path a = p.toAbsolutePath().normalize();
        checkEntry(a);
        absolute.add(a);
      }
      return new RuntimeEnv(envVars, jvmOptions, absolute);
    }
  }

  /** Variables the JVM reads as options or class path: they would bypass Prism's checks. */
  private static final java.util.Set<String> JVM_OPTION_VARIABLES =
      java.util.Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

  /** The most characters one value or option may have (a process's arguments are bounded). */
  private static final int MAX_TEXT = 64 * 1024;

  /** Refuses text a process cannot be started with: NUL characters, or too long. */
  private static void checkText(String what, String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          what + " contains a NUL character, which no process can be started with; remove it");
    }
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException(
          what + " is " + text.length() + " characters long; give at most " + MAX_TEXT);
    }
  }
}
