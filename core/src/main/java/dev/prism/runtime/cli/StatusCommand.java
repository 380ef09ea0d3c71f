package dev.prism.runtime.cli;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code prism status}: the nodes, resources (used / total) and actors of a cluster. */
@Command(
    name = "status",
    description = "Prints the cluster's nodes, resources (used / total) and actors.")
final class StatusCommand implements Callable<Integer> {

  private static final Duration RPC_TIMEOUT = Duration.ofSeconds(5);

  @Mixin HelpOption help;

  @Mixin ClusterOptions cluster;

  private final CliContext context;

  StatusCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    StateConnection.Checked c = StateConnection.connectChecked(cluster, context.env(), RPC_TIMEOUT);
    List<NodeInfo> nodes;
    List<ActorInfo> actors;
    List<PlacementGroupInfo> groups;
    try (GcsClient gcs = c.gcs()) {
      nodes = gcs.getAllNodes();
      actors = gcs.listActors();
      groups = gcs.listPlacementGroups();
    } catch (RuntimeException e) {
      throw CliException.failure(
          "no Prism cluster answers at "
              + c.address()
              + " ("
              + e.getMessage()
              + "); is its head running? start one with 'prism start --head'");
    }
    context.out().print(StatusReport.render(c.address(), nodes, actors, groups));
    return 0;
  }
}
