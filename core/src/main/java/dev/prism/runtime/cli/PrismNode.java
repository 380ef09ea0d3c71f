package dev.prism.runtime.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.prism.runtime.dashboard.DashboardRoutes;
import dev.prism.runtime.dashboard.JobRoutes;
import dev.prism.runtime.dashboard.NodeLogRoutes;
import dev.prism.runtime.dashboard.StateRoutes;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.job.JobManager;
import dev.prism.runtime.job.JobManagerConfig;
import dev.prism.runtime.job.JobServiceImpl;
import dev.prism.runtime.metrics.GcsMetrics;
import dev.prism.runtime.metrics.Metrics;
import dev.prism.runtime.metrics.NodeMetrics;
import dev.prism.runtime.net.HostAddresses;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.security.TlsConfig;
import dev.prism.runtime.state.ClusterState;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of one node process, as {@code prism start} configures them: for the head a {@link
 * GcsServer} and a {@link NodeManager} registered with it, for another node a node manager that
 * joins the GCS at {@code --address}. Its store's socket and spill files live in the session
 * directory. Each node also serves HTTP on its address ({@link #httpUrl()}, token required): the
 * head its dashboard, REST API and {@code /metrics}, another node its {@code /metrics}. {@link
 * NodeMain} runs one per process; starting several (each with its own options) emulates several
 * nodes on one machine the same way the command line does.
 */
public final class PrismNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PrismNode.class);
  private static final Duration REGISTER_WAIT = Duration.ofSeconds(30);

  private final GcsServer gcs;
  private final NodeManager node;
  private final ClusterToken token;
  private final List<Metrics.Binding> metrics = new ArrayList<>();
  private volatile HttpServer http;
  private GcsClient stateClient;
  private static final Duration STATE_NODE_TIMEOUT = Duration.ofSeconds(5);
  private final JobManager jobs;
  private Path log;

  private PrismNode(GcsServer gcs, NodeManager node, ClusterToken token, JobManager jobs) {
    this.gcs = gcs;
    this.node = node;
    this.token = token;
    this.jobs = jobs;
  }

  /**
   * Starts the servers: the GCS first for a head; then the node manager, which registers with the
   * GCS; for a non-head node, this returns once the GCS lists the node as alive.
   *
   * @param options the options ({@link StartOptions#head()} decides the role)
   * @param session the session directory (its {@code sockets/} and {@code spill/} are used, and its
   *     {@code cluster_token} is the cluster's token)
   * @param nodeId the node id
   * @return the running node
   * @throws CliException if the token file is missing, the GCS is unreachable or refuses the token,
   *     a port is taken, or the node does not register in time
   */
  public static PrismNode start(StartOptions options, SessionDir session, String nodeId) {
    ClusterTokens.Found token;
    try {
      token =
          new ClusterTokens.Found(
              ClusterToken.readFrom(session.tokenFile()),
              "the session file " + session.tokenFile());
    } catch (SecurityConfigException e) {
      throw CliException.failure(
          e.getMessage() + " (prism start writes it before it starts" + " the node)");
    }
    options.host().ifPresent(PrismNode::checkOwnAddress);
    // Before any server starts: they time their calls only in a process that turned metrics on.
    Metrics.enable();
    GcsServer gcs = null;
    JobManager jobs = null;
    String gcsAddress;
    String host;
    if (options.head()) {
      host = options.host().orElse("127.0.0.1");
      jobs = jobManager(session, workerClasspath(options.codeSearchPath()), System.getenv());
      gcs =
          GcsServer.start(
              GcsConfig.builder().host(host).port(options.port()).token(token.token()).build(),
              List.of(new JobServiceImpl(jobs)));
      gcsAddress = gcs.address();
      jobs.clusterAddress(gcsAddress);
    } else {
      gcsAddress = options.address().orElseThrow();
      checkReachable(gcsAddress, Optional.of(token), session.path().getParent());
      host = options.host().orElseGet(() -> localAddressFor(gcsAddress));
    }
    try {
      NodeConfig.Builder b =
          NodeConfig.builder()
              .nodeId(nodeId)
              .token(token.token())
              .host(host)
              .port(options.nodeManagerPort())
              .gcsAddress(gcsAddress)
              .resources(options.resources())
              .labels(options.labels())
              .socketDirectory(socketDirectory(session))
              .spillDirectory(session.spill())
              .classpath(workerClasspath(options.codeSearchPath()));
      options.numCpus().ifPresent(b::numCpus);
      options.numGpus().ifPresent(b::numGpus);
      options.objectStoreMemory().ifPresent(b::objectStoreCapacity);
      options.workerHeap().ifPresent(b::workerHeap);
      NodeManager nm = NodeManager.start(b.build());
      PrismNode started = new PrismNode(gcs, nm, token.token(), jobs);
      started.log = session.logOf(NodeRecord.nameOf(options.head(), nodeId));
      try {
        started.startHttp(options, host);
      } catch (RuntimeException e) {
        started.close();
        throw e;
      }
      if (!options.head()) {
        try {
          started.awaitRegistered(REGISTER_WAIT);
        } catch (RuntimeException e) {
          started.close();
          throw e;
        }
      }
      started.publishHttpUrl();
      return started;
    } catch (RuntimeException e) {
      if (jobs != null) {
        jobs.close();
      }
      if (gcs != null) {
        gcs.close();
      }
      throw e;
    }
  }

  /**
   * Fails unless a GCS answers at the address and accepts the token.
   *
   * @param gcsAddress {@code host:port}
   * @param token the token to present and where it came from, or empty when none was found
   * @param root the root of session directories that was searched, for the message
   * @return the token
   * @throws CliException naming the address and what to do: "the cluster at ... refused this node's
   *     token" when it answers UNAUTHENTICATED, "no cluster token" when none was found and the
   *     cluster answers, "no Prism head answers" when nothing does
   */
  static ClusterTokens.Found checkReachable(
      String gcsAddress, Optional<ClusterTokens.Found> token, Path root) {
    try (GcsClient client =
        ClusterTokens.connectChecked(
            gcsAddress, token, root, "this node's", Duration.ofSeconds(5))) {
      return token.orElseThrow();
    } catch (SecurityConfigException e) {
      throw CliException.failure(e.getMessage());
    } catch (RuntimeException e) {
      throw CliException.failure(
          "no Prism head answers at "
              + gcsAddress
              + " ("
              + e.getMessage()
              + "); start one with 'prism start --head', or check the address");
    }
  }

  /**
   * Fails unless {@code host} is an address of this machine: a node binds what it advertises, so a
   * remote address would fail later with the system's "Cannot assign requested address".
   */
  static void checkOwnAddress(String host) {
    if (!HostAddresses.isOwn(host)) {
      throw CliException.failure(
          "--host "
              + host
              + " is not an address of this machine (its addresses: "
              + String.join(", ", HostAddresses.own())
              + "); give one of them, or leave --host out to use the one that reaches the head");
    }
  }

  /** The local address this machine uses to reach the GCS's host (loopback for loopback). */
  static String localAddressFor(String gcsAddress) {
    String gcsHost = gcsAddress.substring(0, gcsAddress.lastIndexOf(':'));
    return HostAddresses.routeTo(gcsHost)
        .orElseThrow(
            () ->
                CliException.failure(
                    "cannot tell which address of this machine the head at "
                        + gcsAddress
                        + " reaches; give it with --node-ip"));
  }

  /**
   * The session's socket directory, unless its path is too long for a Unix socket name (about 100
   * bytes with the store's file name): then the system's temporary directory. The record names the
   * socket either way, so 'prism stop' finds it.
   */
  static Path socketDirectory(SessionDir session) {
    Path dir = session.sockets();
    if (dir.toString().length() <= 70) {
      return dir;
    }
    LOG.info(
        "the session's socket directory {} is too long for Unix socket names; the store's"
            + " socket goes to {}",
        dir,
        System.getProperty("java.io.tmpdir"));
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /**
   * The head's job manager: files and drivers' logs in the session's {@code jobs/} directory,
   * drivers started with this JVM's {@code java}, the workers' flags and class path, and the
   * session's token file (and this process's TLS files) in their environment. The upload limit is
   * {@value JobManager#ENV_MAX_UPLOAD_BYTES} (bytes) when set.
   */
  static JobManager jobManager(SessionDir session, String classpath, Map<String, String> env) {
    long limit = JobManagerConfig.DEFAULT_MAX_UPLOAD_BYTES;
    String given = env.get(JobManager.ENV_MAX_UPLOAD_BYTES);
    if (given != null && !given.isBlank()) {
      try {
        limit = Long.parseLong(given.strip());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit <= 0) {
        throw CliException.usage(
            JobManager.ENV_MAX_UPLOAD_BYTES + "=" + given + " is not a positive number of bytes");
      }
    }
    Map<String, String> driverEnv = new HashMap<>();
    driverEnv.put(ClusterToken.ENV_FILE, session.tokenFile().toString());
    TlsConfig.process().ifPresent(t -> driverEnv.putAll(t.environment()));
    return new JobManager(
        new JobManagerConfig(
            session.path().resolve("jobs"),
            limit,
            Path.of(System.getProperty("java.home"), "bin", "java"),
            NodeConfig.jvmFlagsFromSystemProperties(),
            classpath,
            driverEnv,
            Duration.ofSeconds(10)));
  }

  private static String workerClasspath(Optional<String> codeSearchPath) {
    String own = System.getProperty("java.class.path", "");
    return codeSearchPath
        .filter(c -> !c.isBlank())
        .map(c -> own.isEmpty() ? c : own + File.pathSeparator + c)
        .orElse(own);
  }

  /**
   * Starts the node's HTTP server on its address: the head's dashboard, API and metrics, or another
   * node's metrics endpoint. A head on the default port takes any free port when that one is taken
   * (a second cluster on this machine); a port given on purpose must be free.
   */
  private void startHttp(StartOptions options, String host) {
    metrics.add(NodeMetrics.bind(node));
    gcs().ifPresent(g -> metrics.add(GcsMetrics.bind(g)));
    jobs().ifPresent(j -> metrics.add(GcsMetrics.bindJobs(j)));
    boolean defaultPort = options.httpPort() == StartOptions.DEFAULT_HTTP_PORT;
    int port =
        !defaultPort
            ? options.httpPort()
            : options.head() ? StartOptions.DEFAULT_DASHBOARD_PORT : 0;
    try {
      http = httpServer(host, port);
    } catch (IllegalStateException e) {
      if (!(defaultPort && options.head())) {
        throw CliException.failure(
            e.getMessage()
                + "; choose another port with "
                + (options.head() ? "--dashboard-port" : "--metrics-port")
                + " (0: any free port)");
      }
      LOG.info("the dashboard's default port {} is taken; it takes any free port", port);
      http = httpServer(host, 0);
    }
    LOG.info("{} at {}", options.head() ? "dashboard" : "metrics endpoint", http.url());
  }

  private HttpServer httpServer(String host, int port) {
    HttpServer.Builder b = HttpServer.builder(host, port, token).tls(TlsConfig.process());
    if (gcs != null) {
      DashboardRoutes.addHead(b, gcs);
      StateRoutes.add(b, () -> new ClusterState(stateClient(), token, STATE_NODE_TIMEOUT));
      if (jobs != null) {
        JobRoutes.add(b, jobs);
      }
    } else {
      DashboardRoutes.addMetrics(b);
    }
    NodeLogRoutes.add(b, node.nodeId(), log);
    return b.start();
  }

  /**
   * Publishes this node's HTTP URL in the GCS's key-value store, where {@code prism logs} on any
   * machine finds it. A failure only costs remote log reading, so it is logged, not thrown.
   */
  private void publishHttpUrl() {
    try (GcsClient client = GcsClient.connect(gcsAddress(), Duration.ofSeconds(5), token)) {
      client.kvPut(NodeLogRoutes.KV_NAMESPACE, node.nodeId(), http.url().getBytes(UTF_8), true);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not publish this node's HTTP address {} in the GCS: {}", http.url(), e.toString());
    }
  }

  /** The head's own client of its GCS, for the state API (connected on first use). */
  private synchronized GcsClient stateClient() {
    if (stateClient == null) {
      stateClient = GcsClient.connect(gcs.address(), Duration.ofSeconds(10), token);
    }
    return stateClient;
  }

  /**
   * Returns the base URL of this node's HTTP server: the head's dashboard (its {@code /metrics}
   * too), another node's metrics endpoint.
   *
   * @return {@code http://host:port}, or {@code https://host:port} when the cluster uses TLS
   */
  public String httpUrl() {
    return http.url();
  }

  private void awaitRegistered(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    String last = "no answer yet";
    try (GcsClient client = GcsClient.connect(gcsAddress(), Duration.ofSeconds(5), token)) {
      while (System.nanoTime() < deadline) {
        try {
          for (NodeInfo n : client.getAllNodes()) {
            if (n.getNodeId().equals(node.nodeId()) && n.getAlive()) {
              return;
            }
          }
          last = "the GCS does not list it as alive";
        } catch (RuntimeException e) {
          last = e.getMessage();
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw CliException.failure(
        "node "
            + node.nodeId()
            + " did not register with the GCS at "
            + gcsAddress()
            + " within "
            + wait.toSeconds()
            + " s: "
            + last);
  }

  /**
   * Returns whether this node runs the GCS.
   *
   * @return true for a head
   */
  public boolean isHead() {
    return gcs != null;
  }

  /**
   * Returns the GCS's address.
   *
   * @return {@code host:port}
   */
  public String gcsAddress() {
    return gcs != null ? gcs.address() : node.gcsAddress().orElseThrow();
  }

  /**
   * Returns the cluster token.
   *
   * @return the token this node's servers require
   */
  public ClusterToken token() {
    return token;
  }

  /**
   * Returns the node manager.
   *
   * @return the node manager
   */
  public NodeManager nodeManager() {
    return node;
  }

  /**
   * Returns the job manager of a head (what the head's other APIs call to manage jobs).
   *
   * @return the job manager, or empty for another node
   */
  public Optional<JobManager> jobs() {
    return Optional.ofNullable(jobs);
  }

  /**
   * Returns the GCS of a head.
   *
   * @return the GCS, or empty for another node
   */
  public Optional<GcsServer> gcs() {
    return Optional.ofNullable(gcs);
  }

  /**
   * Stops the jobs' drivers of a head, then the node manager (its workers and store go with it),
   * waits for its store file to be gone (the node manager's own shutdown hook may be closing it at
   * the same time), then stops the GCS of a head. Idempotent.
   */
  @Override
  public void close() {
    Path shm = node.storeShmPath();
    HttpServer h = http;
    if (h != null) {
      h.close();
    }
    metrics.forEach(Metrics.Binding::close);
    synchronized (this) {
      if (stateClient != null) {
        stateClient.close();
      }
    }
    try {
      if (jobs != null) {
        jobs.close();
      }
      node.close();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (Files.exists(shm) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (gcs != null) {
        gcs.close();
      }
    }
  }
}
