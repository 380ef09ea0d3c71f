package dev.prism.runtime.cli;

import dev.prism.runtime.node.NodeConfig;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of a node process started by {@code prism start}: runs a {@link PrismNode} (GCS
 * and node manager for {@code --head}, a node manager joining {@code --address} otherwise) until it
 * gets SIGTERM (or SIGINT), then stops it: workers, shared memory and sockets go with it. It keeps
 * its {@link NodeRecord} in the session directory current ({@code starting}, {@code ready}, {@code
 * failed}, {@code stopped}); the command that launched it waits for {@code ready}. Its output (and
 * its workers', prefixed with their pids) goes to the log file the launcher gave it. A joined node
 * also stops on its own when the GCS stays unreachable or declares it dead ({@link GcsWatch}).
 *
 * <p>Arguments: those of {@code prism start}, plus {@code --node-id ID} and {@code --session-dir
 * DIR}. Exit codes: 2 for bad arguments, 1 when the node cannot start.
 */
public final class NodeMain {

  private NodeMain() {}

  /**
   * Runs the node process.
   *
   * @param args {@code prism start}'s options, {@code --node-id} and {@code --session-dir}
   */
  public static void main(String[] args) {
    StartOptions options;
    java.time.Duration gcsLossTimeout;
    try {
      options = StartOptions.parseForNode(List.of(args));
      gcsLossTimeout = GcsWatch.lossTimeoutFromSystemProperties();
    } catch (CliException e) {
      System.err.println("prism node: " + e.getMessage());
      System.exit(e.exitCode());
      return;
    }
    if (options.sessionDir().isEmpty()) {
      System.err.println("prism node: --session-dir is required (prism start sets it)");
      System.exit(CliException.USAGE);
    }
    SessionDir session = new SessionDir(options.sessionDir().get());
    String nodeId = options.nodeId().orElseGet(NodeConfig::randomNodeId);
    ProcessHandle self = ProcessHandle.current();
    long startTime = self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    NodeRecord record =
        new NodeRecord(
            NodeRecord.nameOf(options.head(), nodeId),
            options.head(),
            NodeRecord.STARTING,
            self.pid(),
            startTime,
            nodeId,
            "",
            options.address().orElse(""),
            "",
            "",
            "",
            "");
    session.write(record);
    PrismNode node;
    try {
      node = PrismNode.start(options, session, nodeId);
    } catch (RuntimeException e) {
      System.err.println("prism node: cannot start: " + e.getMessage());
      e.printStackTrace();
      session.write(record.withState(NodeRecord.FAILED, String.valueOf(e.getMessage())));
      System.exit(CliException.FAILURE);
      return;
    }
    NodeRecord ready =
        new NodeRecord(
            record.name(),
            record.head(),
            NodeRecord.READY,
            record.pid(),
            record.startTime(),
            nodeId,
            node.nodeManager().address(),
            node.gcsAddress(),
            node.nodeManager().storeShmPath().toString(),
            node.nodeManager().storeSocketPath().toString(),
            "",
            node.httpUrl());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("prism node: stopping node " + nodeId);
                  try {
                    node.close();
                    session.write(ready.withState(NodeRecord.STOPPED, "stopped by a signal"));
                  } finally {
                    stopped.countDown();
                    System.out.println("prism node: stopped");
                  }
                },
                "prism-node-stop"));
    session.write(ready);
    if (!options.head()) {
      // Stops through the shutdown hook above, like a SIGTERM.
      new GcsWatch(node.gcsAddress(), node.token(), nodeId, gcsLossTimeout, () -> System.exit(0));
    }
    System.out.println(
        "prism node: ready: "
            + (options.head()
                ? "head, GCS at " + node.gcsAddress() + ", "
                : "joined " + node.gcsAddress() + ", ")
            + "node "
            + nodeId
            + " at "
            + node.nodeManager().address()
            + " with "
            + node.nodeManager().totalResources()
            + (options.head() ? ", dashboard at " : ", metrics at ")
            + node.httpUrl()
            + (dev.prism.runtime.net.Rpc.usesTls()
                ? "; TLS on (objects move over TLS gRPC, no plain data port)"
                : "; plain text"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
