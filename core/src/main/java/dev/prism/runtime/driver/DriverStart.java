package dev.prism.runtime.driver;

import dev.prism.PrismConfig;
import dev.prism.PrismException;
import dev.prism.runtime.cli.ClusterTokens;
import dev.prism.runtime.cli.SessionDir;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.net.HostAddresses;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.runtime.worker.TaskSubmitterDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts this process's driver: in a new embedded cluster, or joined to a running one. */
final class DriverStart {

  private static final Logger LOG = LoggerFactory.getLogger(DriverStart.class);

  /** This host as the network stack and the file system see it. */
  private static final LocalNode.Host THIS_HOST =
      new LocalNode.Host() {
        @Override
        public boolean hasSocket(String path) {
          return Files.exists(Path.of(path));
        }

        @Override
        public boolean isOwn(String address) {
          return HostAddresses.isOwn(address);
        }

        @Override
        public Optional<String> routeTo(String host) {
          return HostAddresses.routeTo(host);
        }

        @Override
        public List<String> addresses() {
          return List.copyOf(HostAddresses.own());
        }
      };

  private DriverStart() {}

  /**
   * Starts the driver as configured.
   *
   * @param config the configuration
   * @return the embedded cluster it started, or null when it joined a running one
   */
  static EmbeddedCluster start(PrismConfig config) {
    String address = config.address().orElse(System.getenv("PRISM_ADDRESS"));
    if (address != null && !address.isBlank()) {
      connect(address.trim(), config);
      return null;
    }
    NodeConfig.Builder node =
        NodeConfig.builder()
            .numCpus(config.numCpus())
            .objectStoreCapacity(config.objectStoreMemory())
            .prestartWorkers(config.prestartWorkers());
    config.numGpus().ifPresent(g -> node.numGpus((int) Math.round(g)));
    config.resources().forEach(node::resource);
    if (!config.workerJvmOptions().isEmpty()) {
      node.workerJvmOptions(config.workerJvmOptions());
    }
    EmbeddedCluster started = EmbeddedCluster.start(node.build());
    try {
      CoreWorker.start(
          driver(
              started.nodeId(),
              started.nodeManagerAddress(),
              Path.of(started.storeSocket()),
              EmbeddedCluster.LOOPBACK,
              started.gcsAddress(),
              config.namespace(),
              started.token()));
      CoreWorker.current().runtimeEnvs().setDefault(config.runtimeEnv());
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * Joins a running cluster as a driver, through a node manager of the cluster on this machine (the
   * driver maps that node's shared-memory store).
   */
  private static void connect(String address, PrismConfig config) {
    Path root = SessionDir.defaultRoot();
    ClusterTokens.adoptSessionTls(root, address);
    Optional<ClusterTokens.Found> token =
        ClusterTokens.find(Optional.empty(), System.getenv(), root, address);
    List<NodeInfo> nodes;
    try (GcsClient gcs =
        ClusterTokens.connectChecked(
            address, token, root, "this driver's", config.controlTimeout())) {
      nodes = gcs.getAllNodes();
    } catch (SecurityConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PrismException(
          "cannot reach the cluster at "
              + address
              + ": "
              + e.getMessage()
              + "; check the address (host:port of the head's GCS) and that the head runs",
          e);
    }
    Optional<String> nodeIp =
        config
            .nodeIp()
            .or(() -> Optional.ofNullable(System.getenv("PRISM_NODE_IP")))
            .map(String::trim)
            .filter(ip -> !ip.isEmpty());
    LocalNode.Choice choice = LocalNode.choose(nodes, address, nodeIp, THIS_HOST);
    choice.note().ifPresent(LOG::info);
    NodeInfo local = choice.node();
    CoreWorker.start(
        driver(
            local.getNodeId(),
            local.getAddress().getHost() + ":" + local.getAddress().getPort(),
            Path.of(local.getStoreSocket()),
            local.getAddress().getHost(),
            address,
            config.namespace(),
            token.orElseThrow(() -> ClusterTokens.missing(root, address)).token()));
    CoreWorker.current().runtimeEnvs().setDefault(config.runtimeEnv());
  }

  /**
   * A driver's core-worker settings: a fresh worker id, a job id the GCS assigns, no GPUs, the
   * default pipeline depth.
   */
  private static CoreWorker.Settings driver(
      String nodeId,
      String nodeManager,
      Path storeSocket,
      String bindHost,
      String gcsAddress,
      String namespace,
      ClusterToken token) {
    String freshWorkerId = null;
    String jobIdFromGcs = null;
    return new CoreWorker.Settings(
        CoreWorker.Mode.DRIVER,
        freshWorkerId,
        nodeId,
        nodeManager,
        storeSocket,
        bindHost,
        jobIdFromGcs,
        List.of(),
        TaskSubmitterDefaults.PIPELINE_DEPTH,
        gcsAddress,
        namespace,
        token);
  }
}
