package dev.prism.serve.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.prism.serve.Application;
import dev.prism.serve.DeploymentHandle;
import dev.prism.serve.ProxyLocation;
import dev.prism.serve.Serve;
import dev.prism.serve.ServeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Serve config file (Ray Serve's {@code serve deploy} config): HTTP options and applications,
 * each built by its import path and adjusted per deployment. {@link #deploy()} starts Serve with
 * the file's HTTP options and runs every application.
 *
 * <pre>{@code
 * proxy_location: HeadOnly            # HeadOnly | EveryNode | Disabled
 * http_options: {host: 127.0.0.1, port: 8000}
 * applications:
 *   - name: echo
 *     route_prefix: /echo
 *     import_path: com.example.Echo   # a deployment class, bound with args (a list), or
 *     args: ["hi"]                    # com.example.MyApp::build with args (a mapping)
 *     deployments:
 *       - name: Echo
 *         num_replicas: 2
 *         user_config: {suffix: "!"}
 * }</pre>
 *
 * <p>Every key is checked: an unknown key or a bad value is refused with an {@link
 * IllegalArgumentException} whose message names the key path ({@code
 * applications[0].deployments[1].num_replicas: -1 is not >= 0}). The full schema is in {@code
 * ml-serve/examples/serve.yaml}.
 *
 * @see ServeConfig
 */
public final class ServeYaml {

  /** How long {@link #deploy()} waits for each application by default. */
  public static final Duration DEFAULT_TIMEOUT = Serve.DEFAULT_DEPLOY_TIMEOUT;

  static final ObjectMapper MAPPER =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final List<String> TOP_KEYS =
      List.of("proxy_location", "http_options", "applications");
  private static final Map<String, String> TOP_UNSUPPORTED =
      Map.of(
          "grpc_options", "Prism Serve answers HTTP only",
          "logging_config", "Serve logs through SLF4J in the worker logs",
          "target_capacity", "set num_replicas or autoscaling_config per deployment",
          "import_path", "give import_path in an entry of applications (a list)");
  private static final List<String> HTTP_KEYS =
      List.of("host", "port", "max_body_bytes", "request_header_timeout_s", "keep_alive_timeout_s");
  private static final Map<String, String> HTTP_UNSUPPORTED =
      Map.of(
          "request_timeout_s", "give request_timeout_s on the deployments",
          "root_path", "give each application its full route_prefix",
          "middlewares", "leave it out",
          "location", "give proxy_location at the top level",
          "ssl_keyfile", "put a TLS-terminating proxy in front of Serve",
          "ssl_certfile", "put a TLS-terminating proxy in front of Serve");
  private static final List<String> APP_KEYS =
      List.of("name", "route_prefix", "import_path", "args", "deployments");
  private static final Map<String, String> APP_UNSUPPORTED =
      Map.of(
          "runtime_env",
          "put the classes on the cluster's class path (prism start --code-search-path)",
          "logging_config",
          "replicas log through SLF4J in their worker's log",
          "external_scaler_enabled",
          "leave it out");

  private final ServeConfig config;
  private final List<App> applications;

  private ServeYaml(ServeConfig config, List<App> applications) {
    this.config = config;
    this.applications = List.copyOf(applications);
  }

  /**
   * One application of the file.
   *
   * @param name its name
   * @param routePrefix its route prefix, or null for none (reached through handles only)
   * @param importPath what built it
   * @param application the application, bound, with the file's deployment options applied
   */
  public record App(String name, String routePrefix, String importPath, Application application) {

    /**
     * Checks.
     *
     * @param name name
     * @param routePrefix route prefix or null
     * @param importPath import path
     * @param application application
     */
    public App {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(importPath, "importPath");
      Objects.requireNonNull(application, "application");
    }
  }

  /**
   * Reads a config file. Import paths are resolved with this thread's context class loader.
   *
   * @param file the YAML file
   * @return the config
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when its content is refused; the message starts with the
   *     file's name and names the key path
   */
  public static ServeYaml load(Path file) throws IOException {
    String text = Files.readString(file);
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e.getCause());
    }
  }

  /**
   * Reads a config from its text.
   *
   * @param yaml the YAML text
   * @return the config
   * @throws IllegalArgumentException when it is refused; the message names the key path
   */
  public static ServeYaml parse(String yaml) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return parse(yaml, loader != null ? loader : ServeYaml.class.getClassLoader());
  }

  private static ServeYaml parse(String yaml, ClassLoader loader) {
    Checked c = check(yaml);
    List<App> apps = new ArrayList<>();
    for (AppEntry e : c.entries()) {
      Application built =
          ImportPath.build(
              e.node.path("import_path"),
              e.importPath,
              e.node.path("args"),
              e.node.get("args"),
              loader);
      apps.add(new App(e.name, e.routePrefix, e.importPath, AppGraph.apply(built, e.deployments)));
    }
    return new ServeYaml(c.config(), apps);
  }

  /** A file whose every key and value is checked, its import paths not yet resolved. */
  private record Checked(ServeConfig config, List<AppEntry> entries) {}

  /**
   * Checks every key and value of a config without loading a class: what is left to check is
   * whether the import paths name builders and the deployment entries name their deployments.
   *
   * @param yaml the text
   * @throws IllegalArgumentException naming the key path
   */
  static void checkShape(String yaml) {
    check(yaml);
  }

  private static Checked check(String yaml) {
    JsonNode root;
    try {
      root = MAPPER.readTree(yaml);
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null || at.getLineNr() < 0
              ? ""
              : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
      throw new IllegalArgumentException(
          "not valid YAML: " + where + e.getOriginalMessage().lines().findFirst().orElse(""), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new IllegalArgumentException(
          "the file is empty; it needs at least 'applications:' with one application");
    }
    ConfigNode top = ConfigNode.of("", root, TOP_KEYS, TOP_UNSUPPORTED);
    ServeConfig config = serveConfig(top);
    List<ConfigNode.Item> items =
        top.list("applications")
            .orElseThrow(
                () ->
                    ConfigNode.bad(
                        "applications",
                        "missing: the file must list its applications (applications: - name: ..."
                            + " import_path: ...)"));
    if (items.isEmpty()) {
      throw ConfigNode.bad("applications", "is empty; give at least one application");
    }
    // Check every entry's shape before any class is loaded: typos are found first.
    List<AppEntry> entries = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    Map<String, String> prefixes = new HashMap<>();
    for (ConfigNode.Item item : items) {
      AppEntry e = AppEntry.parse(item, items.size());
      String before = names.put(e.name, e.node.path("name"));
      if (before != null) {
        throw ConfigNode.bad(
            e.node.path("name"), "'" + e.name + "' is the name of another application, " + before);
      }
      if (e.routePrefix != null) {
        String other = prefixes.put(e.routePrefix, e.node.path("route_prefix"));
        if (other != null) {
          throw ConfigNode.bad(
              e.node.path("route_prefix"),
              "'" + e.routePrefix + "' is the route prefix of another application, " + other);
        }
      }
      entries.add(e);
    }
    return new Checked(config, entries);
  }

  private static ServeConfig serveConfig(ConfigNode top) {
    ServeConfig d = ServeConfig.defaults();
    ProxyLocation location = top.string("proxy_location").map(ServeYaml::location).orElse(null);
    if (location == null) {
      location = d.proxyLocation();
    }
    String host = d.host();
    int port = d.port();
    int maxBody = d.maxBodyBytes();
    long headerMillis = d.headerTimeoutMillis();
    long idleMillis = d.idleTimeoutMillis();
    if (top.mapping("http_options").isPresent()) {
      ConfigNode h =
          ConfigNode.of("http_options", top.get("http_options"), HTTP_KEYS, HTTP_UNSUPPORTED);
      String givenHost = h.string("host").orElse(host);
      if (givenHost.isBlank()) {
        throw ConfigNode.bad(h.path("host"), "is blank");
      }
      host = givenHost;
      port = h.integer("port", 0, 65535).orElse(port);
      maxBody = h.integer("max_body_bytes", 1).orElse(maxBody);
      headerMillis =
          h.seconds("request_header_timeout_s", false).map(Duration::toMillis).orElse(headerMillis);
      idleMillis =
          h.seconds("keep_alive_timeout_s", false).map(Duration::toMillis).orElse(idleMillis);
    }
    return new ServeConfig(host, port, location, maxBody, headerMillis, idleMillis);
  }

  private static ProxyLocation location(String value) {
    String v = value.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    return switch (v) {
      case "headonly" -> ProxyLocation.HEAD_ONLY;
      case "everynode" -> ProxyLocation.EVERY_NODE;
      case "disabled", "noserver" -> ProxyLocation.DISABLED;
      default ->
          throw ConfigNode.bad(
              "proxy_location", "'" + value + "' is not HeadOnly, EveryNode or Disabled");
    };
  }

  /** An entry of {@code applications:}, checked, its import path not yet resolved. */
  private static final class AppEntry {
    final ConfigNode node;
    final String name;
    final String routePrefix;
    final String importPath;
    final Map<String, DeploymentOptions> deployments = new LinkedHashMap<>();

    private AppEntry(ConfigNode node, String name, String routePrefix, String importPath) {
      this.node = node;
      this.name = name;
      this.routePrefix = routePrefix;
      this.importPath = importPath;
    }

    static AppEntry parse(ConfigNode.Item item, int count) {
      ConfigNode n = ConfigNode.of(item.path(), item.value(), APP_KEYS, APP_UNSUPPORTED);
      String name =
          n.string("name")
              .orElseGet(
                  () -> {
                    if (count > 1) {
                      throw ConfigNode.bad(
                          n.path("name"), "missing: with several applications, each needs a name");
                    }
                    return "default";
                  });
      if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
        throw ConfigNode.bad(
            n.path("name"), "'" + name + "' is not 1-100 letters, digits, '.', '_' or '-'");
      }
      // route_prefix: null (or ~) means no HTTP route; left out means "/".
      String prefix = n.has("route_prefix") ? n.string("route_prefix").orElse(null) : "/";
      if (prefix != null
          && (!prefix.startsWith("/")
              || (prefix.length() > 1 && prefix.endsWith("/"))
              || prefix.startsWith("/-/")
              || prefix.contains("?"))) {
        throw ConfigNode.bad(
            n.path("route_prefix"),
            "'"
                + prefix
                + "' must start with '/', not end with '/' (unless it is '/'), not start with"
                + " '/-/' (Serve's own routes), nor hold '?'");
      }
      String importPath =
          n.string("import_path")
              .orElseThrow(
                  () ->
                      ConfigNode.bad(
                          n.path("import_path"),
                          "missing: name a deployment class (com.example.Model) or a builder"
                              + " method (com.example.MyApp::build)"));
      AppEntry e = new AppEntry(n, name, prefix, importPath);
      for (ConfigNode.Item d : n.list("deployments").orElse(List.of())) {
        DeploymentOptions o = DeploymentOptions.parse(d.path(), d.value());
        DeploymentOptions before = e.deployments.put(o.name, o);
        if (before != null) {
          throw ConfigNode.bad(
              d.path() + ".name", "'" + o.name + "' is given twice, also at " + before.path);
        }
      }
      return e;
    }
  }

  /**
   * Serve's settings from {@code proxy_location} and {@code http_options} (the defaults of {@link
   * ServeConfig#defaults()} where left out).
   *
   * @return them
   */
  public ServeConfig config() {
    return config;
  }

  /**
   * The applications, in the file's order.
   *
   * @return them
   */
  public List<App> applications() {
    return applications;
  }

  /**
   * Starts Serve with {@link #config()} (when it is running already, its settings stay) and runs
   * every application, each waited for up to {@link #DEFAULT_TIMEOUT}.
   *
   * @return a handle to each application's ingress, by application name
   * @throws dev.prism.serve.ServeException when an application fails to deploy (the ones before it
   *     stay deployed)
   */
  public Map<String, DeploymentHandle<Object>> deploy() {
    return deploy(DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #deploy()}, waiting up to {@code timeout} for each application.
   *
   * @param timeout how long each application may take to run
   * @return a handle to each application's ingress, by application name
   */
  public Map<String, DeploymentHandle<Object>> deploy(Duration timeout) {
    Serve.start(config);
    Map<String, DeploymentHandle<Object>> handles = new LinkedHashMap<>();
    for (App a : applications) {
      handles.put(a.name(), Serve.run(a.application(), a.name(), a.routePrefix(), timeout));
    }
    return handles;
  }
}
