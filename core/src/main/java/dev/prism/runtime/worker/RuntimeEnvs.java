package dev.prism.runtime.worker;

import dev.prism.RuntimeEnv;
import dev.prism.RuntimeEnvSetupException;
import dev.prism.runtime.job.JobClient;
import dev.prism.runtime.rpc.RuntimeEnvProto;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The runtime environments of one process's submissions: the process's default (a worker's own
 * environment, {@value #ENV} as its node manager set it; for a driver, that combined with {@code
 * PrismConfig.runtimeEnv}), and the resolution of an API {@link RuntimeEnv} into its wire form:
 * class path entries uploaded to the head's file store by sha-256 (directories packed into a jar
 * first, deterministically), then combined with the default (variables merged per name, the task's
 * winning; JVM options and class path the default's followed by the task's).
 */
public final class RuntimeEnvs {

  /** The variable that carries a worker's runtime environment (base64 of the wire form). */
  public static final String ENV = "PRISM_RUNTIME_ENV";

  private final String gcsAddress;
  private final ClusterToken token;
  private final RuntimeEnvProto inherited;
  private volatile RuntimeEnv driverDefault = RuntimeEnv.empty();
  private volatile RuntimeEnvProto resolvedDefault;

  /** Uploaded files: path, size and modification time to the hash. */
  private final Map<String, String> uploaded = new ConcurrentHashMap<>();

  RuntimeEnvs(String gcsAddress, ClusterToken token) {
    this.gcsAddress = gcsAddress;
    this.token = token;
    this.inherited = decode(System.getenv(ENV));
    this.resolvedDefault = inherited;
  }

  /**
   * Sets the driver's default environment ({@code PrismConfig.runtimeEnv}), on top of the one this
   * process was started in.
   *
   * @param env the driver's default
   */
  public void setDefault(RuntimeEnv env) {
    driverDefault = env;
    resolvedDefault = env.isEmpty() ? inherited : null;
  }

  /** This process's default environment, resolved (uploading the driver default's files once). */
  RuntimeEnvProto defaultEnv() {
    RuntimeEnvProto d = resolvedDefault;
    if (d == null) {
      synchronized (this) {
        d = resolvedDefault;
        if (d == null) {
          d = merge(inherited, resolveOwn(driverDefault));
          resolvedDefault = d;
        }
      }
    }
    return d;
  }

  /**
   * The wire form of a submission's environment.
   *
   * @param own the task's or actor's own environment, or null for the default
   * @return the combined environment
   * @throws RuntimeEnvSetupException if a class path entry is gone or cannot be uploaded
   */
  public RuntimeEnvProto effective(RuntimeEnv own) {
    RuntimeEnvProto base = defaultEnv();
    return own == null || own.isEmpty() ? base : merge(base, resolveOwn(own));
  }

  /** Combines a default with an environment of its own (see the class comment). */
  static RuntimeEnvProto merge(RuntimeEnvProto base, RuntimeEnvProto own) {
    if (own.equals(RuntimeEnvProto.getDefaultInstance())) {
      return base;
    }
    if (base.equals(RuntimeEnvProto.getDefaultInstance())) {
      return own;
    }
    Map<String, String> vars = new LinkedHashMap<>(base.getEnvVarsMap());
    vars.putAll(own.getEnvVarsMap());
    LinkedHashSet<String> cp = new LinkedHashSet<>(base.getClassPathList());
    cp.addAll(own.getClassPathList());
    return RuntimeEnvProto.newBuilder()
        .putAllEnvVars(vars)
        .addAllJvmOptions(base.getJvmOptionsList())
        .addAllJvmOptions(own.getJvmOptionsList())
        .addAllClassPath(cp)
        .build();
  }

  private RuntimeEnvProto resolveOwn(RuntimeEnv env) {
    RuntimeEnvProto.Builder b =
        RuntimeEnvProto.newBuilder()
            .putAllEnvVars(env.envVars())
            .addAllJvmOptions(env.jvmOptions());
    for (Path p : env.classPath()) {
      b.addClassPath(upload(p));
    }
    return b.build();
  }

  private String upload(Path entry) {
    try {
      checkEntry(entry);
      String key = fingerprint(entry);
      String known = uploaded.get(key);
      if (known != null) {
        return known;
      }
      String hash;
      if (Files.isDirectory(entry)) {
        Path packed = Files.createTempFile("prism-classes-", ".jar");
        try {
          dev.prism.runtime.job.FileStore.packDirectory(entry, packed);
          hash = send(entry, packed);
        } finally {
          Files.deleteIfExists(packed);
        }
      } else {
        hash = send(entry, entry);
      }
      uploaded.put(key, hash);
      return hash;
    } catch (IOException e) {
      throw new RuntimeEnvSetupException(
          "cannot read the class path entry " + entry + " of a runtime environment: " + e, e);
    }
  }

  /**
   * What identifies an entry's content without reading it: a file's path, size and modification
   * time; for a directory, those of every file under it (so a directory is packed and uploaded
   * again only when a file in it changed).
   */
  private static String fingerprint(Path entry) throws IOException {
    if (!Files.isDirectory(entry)) {
      return entry + "|" + Files.size(entry) + "|" + Files.getLastModifiedTime(entry).toMillis();
    }
    java.security.MessageDigest md;
    try {
      md = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(entry)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String line =
          entry.relativize(f)
              + "|"
              + Files.size(f)
              + "|"
              + Files.getLastModifiedTime(f).toMillis()
              + "\n";
      md.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return entry + "/|" + java.util.HexFormat.of().formatHex(md.digest());
  }

  private static void checkEntry(Path entry) {
    try {
      RuntimeEnv.builder().classPath(entry).build();
    } catch (IllegalArgumentException e) {
      throw new RuntimeEnvSetupException(e.getMessage(), e);
    }
  }

  private String send(Path entry, Path file) throws IOException {
    if (gcsAddress == null) {
      throw new RuntimeEnvSetupException(
          "cannot put "
              + entry
              + " on workers' class path: this process has no head to upload it to");
    }
    try (JobClient client = JobClient.connect(gcsAddress, token)) {
      return client.upload(file);
    } catch (StatusRuntimeException e) {
      String why =
          e.getStatus().getCode() == Status.Code.UNIMPLEMENTED
              ? "the cluster's head keeps no files (start it with prism start --head)"
              : JobClient.describe(e);
      throw new RuntimeEnvSetupException(
          "cannot upload the class path entry " + entry + " to the head: " + why, e);
    }
  }

  /** The value of {@value #ENV} for a worker of this environment (empty for the default). */
  public static String encode(RuntimeEnvProto env) {
    return env.equals(RuntimeEnvProto.getDefaultInstance())
        ? ""
        : Base64.getEncoder().encodeToString(env.toByteArray());
  }

  /** Parses {@value #ENV}; the default environment when unset or unreadable. */
  static RuntimeEnvProto decode(String value) {
    if (value == null || value.isBlank()) {
      return RuntimeEnvProto.getDefaultInstance();
    }
    try {
      return RuntimeEnvProto.parseFrom(Base64.getDecoder().decode(value.strip()));
    } catch (IllegalArgumentException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          ENV + " is not a runtime environment Prism wrote (" + e.getMessage() + ")", e);
    }
  }
}
