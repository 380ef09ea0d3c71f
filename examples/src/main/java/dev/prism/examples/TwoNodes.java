package dev.prism.examples;

import dev.prism.LocalCluster;
import dev.prism.NodeOptions;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismException;
import dev.prism.SchedulingStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tasks spreading over two nodes on one machine: a {@link LocalCluster} (GCS and head node in this
 * JVM) with a second node added as its own process (own port, own shared-memory store, own worker
 * JVMs; what {@code prism start --address} does on another machine), a driver that joins the
 * cluster, and tasks submitted with {@link SchedulingStrategy#spread()} landing on both nodes. Run
 * it alone with {@code java -cp examples/target/classes:$(cat examples/target/classpath.txt)
 * dev.prism.examples.TwoNodes [TASKS]}; the guided tour runs it as its last step.
 */
public final class TwoNodes {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private TwoNodes() {}

  /**
   * A task that reports the node it ran on, after holding its CPU a moment (so the tasks of a batch
   * overlap and need more than one node's CPUs).
   *
   * @return the node's id
   * @throws InterruptedException if interrupted
   */
  public static String whereAmI() throws InterruptedException {
    Thread.sleep(300);
    return Prism.runtimeContext().nodeId();
  }

  /** The outcome: each node's id, and which node each task ran on. */
  record Outcome(
      String head, String second, List<String> taskNodes, long startMillis, long millis) {

    /** How many tasks ran on each node, head first. */
    Map<String, Integer> perNode() {
      Map<String, Integer> counts = new LinkedHashMap<>();
      counts.put(head, 0);
      counts.put(second, 0);
      for (String n : taskNodes) {
        counts.merge(n, 1, Integer::sum);
      }
      return counts;
    }
  }

  /**
   * A small node: 2 CPUs, a 128 MiB store, workers with a 192 MiB heap.
   *
   * @return its options
   */
  static NodeOptions smallNode() {
    return NodeOptions.builder()
        .cpus(2)
        .objectStoreMemory(128L << 20)
        .workerHeap(192L << 20)
        .build();
  }

  /**
   * Starts the two nodes, joins them as a driver, spreads {@code tasks} tasks over them, and stops
   * everything again.
   *
   * @param tasks how many tasks
   * @return where they ran
   * @throws PrismException if the second node does not start
   */
  static Outcome run(int tasks) {
    long up = System.nanoTime();
    try (LocalCluster cluster = LocalCluster.start(smallNode())) {
      LocalCluster.Node second = cluster.addNode(smallNode());
      Prism.init(cluster.address());
      try {
        warmUp(List.of(cluster.head(), second));
        long startMillis = (System.nanoTime() - up) / 1_000_000;
        long start = System.nanoTime();
        List<ObjectRef<String>> refs = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
          refs.add(
              Prism.task(TwoNodes::whereAmI)
                  .setSchedulingStrategy(SchedulingStrategy.spread())
                  .remote());
        }
        List<String> nodes = Prism.get(refs, WAIT);
        return new Outcome(
            cluster.head().id(),
            second.id(),
            nodes,
            startMillis,
            (System.nanoTime() - start) / 1_000_000);
      } finally {
        Prism.shutdown();
      }
    }
  }

  /**
   * Runs one task on each node and waits for them, so that both nodes have a worker JVM up before
   * the batch: otherwise, on a busy machine, the head's warm workers may finish the whole batch
   * while the new node's workers are still starting.
   */
  private static void warmUp(List<LocalCluster.Node> nodes) {
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (LocalCluster.Node node : nodes) {
      refs.add(
          Prism.task(TwoNodes::whereAmI)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node.id(), false))
              .remote());
    }
    Prism.get(refs, WAIT);
  }

  /**
   * Describes an outcome in a few lines: the nodes, then each task's node.
   *
   * @param o the outcome
   * @return the text
   */
  static String describe(Outcome o) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("   node A (the head, in this JVM):  %s%n", shortId(o.head())));
    sb.append(String.format("   node B (its own node process):   %s%n", shortId(o.second())));
    sb.append("   task -> node:");
    for (int i = 0; i < o.taskNodes().size(); i++) {
      String n = o.taskNodes().get(i);
      sb.append(
          String.format(
              " %d->%s", i, n.equals(o.head()) ? "A" : n.equals(o.second()) ? "B" : shortId(n)));
    }
    Map<String, Integer> per = o.perNode();
    sb.append(
        String.format(
            "%n   %d task(s) on A, %d on B; the two nodes were up, a worker on each, in %d ms; the"
                + " tasks took %d ms.",
            per.get(o.head()), per.get(o.second()), o.startMillis(), o.millis()));
    return sb.toString();
  }

  private static String shortId(String nodeId) {
    return nodeId.length() > 12 ? nodeId.substring(0, 12) + "…" : nodeId;
  }

  /**
   * Runs the example.
   *
   * @param args {@code [TASKS]}, how many tasks to spread (default 6)
   */
  public static void main(String[] args) {
    int tasks = 6;
    if (args.length > 0) {
      try {
        tasks = Integer.parseInt(args[0]);
      } catch (NumberFormatException e) {
        tasks = -1;
      }
      if (tasks < 1) {
        System.err.println(
            "usage: TwoNodes [TASKS]: TASKS is a positive whole number, got '" + args[0] + "'");
        System.exit(2);
      }
    }
    Outcome o = run(tasks);
    System.out.println("Tasks with SchedulingStrategy.spread() on two nodes of this machine:");
    System.out.println(describe(o));
  }
}
