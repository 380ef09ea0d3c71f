package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.RuntimeEnv;
import dev.prism.runtime.job.FileStore;
import dev.prism.runtime.rpc.RuntimeEnvProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The job-level runtime environment of {@code prism job submit --runtime-env-json}: {@code
 * {"env_vars": {"NAME": "value"}, "jvm_options": ["-Xmx2g"], "class_path": ["lib/x.jar",
 * "classes/"]}}, validated like {@link RuntimeEnv}, its class path uploaded to the head, and passed
 * to the driver as {@code PRISM_RUNTIME_ENV}: the default of every task and actor of the job.
 */
final class JobRuntimeEnv {

  private static final Set<String> FIELDS = Set.of("env_vars", "jvm_options", "class_path");

  private JobRuntimeEnv() {}

  /**
   * Parses and validates the JSON.
   *
   * @param json the option's value
   * @return the environment
   * @throws CliException (usage) naming what is wrong
   */
  static RuntimeEnv parse(String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw CliException.usage(
          "submit: --runtime-env-json is not JSON ("
              + e.getOriginalMessage()
              + "); give an object like {\"env_vars\": {\"NAME\": \"value\"}, \"jvm_options\":"
              + " [\"-Xmx2g\"], \"class_path\": [\"lib/x.jar\"]}");
    }
    if (root == null || !root.isObject()) {
      throw CliException.usage("submit: --runtime-env-json must be a JSON object");
    }
    RuntimeEnv.Builder b = RuntimeEnv.builder();
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw CliException.usage(
            "submit: --runtime-env-json has the unknown field '"
                + name
                + "'; the fields are env_vars, jvm_options and class_path");
      }
    }
    JsonNode vars = root.path("env_vars");
    if (!vars.isMissingNode()) {
      if (!vars.isObject()) {
        throw CliException.usage("submit: env_vars of --runtime-env-json must be an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw CliException.usage(
              "submit: env_vars." + e.getKey() + " of --runtime-env-json must be a string");
        }
        b.envVar(e.getKey(), e.getValue().asText());
      }
    }
    strings(root, "jvm_options", o -> b.jvmOption(o));
    strings(root, "class_path", p -> b.classPath(Path.of(p).toAbsolutePath()));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw CliException.usage("submit: --runtime-env-json: " + e.getMessage());
    }
  }

  private static void strings(JsonNode root, String field, Consumer<String> add) {
    JsonNode list = root.path(field);
    if (list.isMissingNode()) {
      return;
    }
    if (!list.isArray()) {
      throw CliException.usage("submit: " + field + " of --runtime-env-json must be an array");
    }
    for (JsonNode n : list) {
      if (!n.isTextual()) {
        throw CliException.usage(
            "submit: " + field + " of --runtime-env-json must hold strings, not " + n);
      }
      add.accept(n.asText());
    }
  }

  /**
   * The wire form, its class path uploaded (directories packed first).
   *
   * @param env the environment
   * @param upload uploads one file, returning its sha-256
   * @return the environment with hashes for paths
   */
  static RuntimeEnvProto resolve(RuntimeEnv env, Function<Path, String> upload) {
    RuntimeEnvProto.Builder b =
        RuntimeEnvProto.newBuilder()
            .putAllEnvVars(env.envVars())
            .addAllJvmOptions(env.jvmOptions());
    for (Path p : env.classPath()) {
      if (!Files.isDirectory(p)) {
        b.addClassPath(upload.apply(p));
        continue;
      }
      Path packed = null;
      try {
        packed = Files.createTempFile("prism-job-", ".jar");
        FileStore.packDirectory(p, packed);
        b.addClassPath(upload.apply(packed));
      } catch (IOException e) {
        throw CliException.failure("submit: cannot pack " + p + ": " + e.getMessage());
      } finally {
        if (packed != null) {
          try {
            Files.deleteIfExists(packed);
          } catch (IOException e) {
            // a temporary file
          }
        }
      }
    }
    return b.build();
  }
}
