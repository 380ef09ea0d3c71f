package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cli.Cli;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeManager;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tasks and an actor that ask for a resource no node has do not hang silently: the driver warns
 * once per resource shape (naming the request and what the nodes offer), {@code prism status} lists
 * the demands, and they run once a node that has the resource joins.
 */
@Timeout(240)
class InfeasibleTest {

  private static final Duration WAIT = Duration.ofSeconds(120);

  static String where() {
    return Prism.runtimeContext().nodeId();
  }

  private static String status(String address) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            List.of("status", "--address", address),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    assertThat(code).as("prism status exit code (%s)", err).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  /** How the driver shows a warning to the user on standard error (the log has it too). */
  private static final String USER = "prism: warning: ";

  /** The one line (there must be exactly one) of standard error that warns with {@code part}. */
  private static String shown(String err, String part) {
    List<String> lines = err.lines().filter(l -> l.startsWith(USER) && l.contains(part)).toList();
    assertThat(lines).as("user warnings with '%s'", part).hasSize(1);
    return lines.getFirst();
  }

  /** Writes to two streams: the test reads what the user would see, and it is still shown. */
  private static PrintStream tee(PrintStream shown, OutputStream copy) {
    return new PrintStream(
        new OutputStream() {
          @Override
          public synchronized void write(int b) {
            shown.write(b);
            try {
              copy.write(b);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }

          @Override
          public synchronized void write(byte[] b, int off, int len) {
            shown.write(b, off, len);
            try {
              copy.write(b, off, len);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  @Test
  void infeasibleRequestsAreWarnedListedAndRunWhenANodeThatFitsJoins() throws Exception {
    EmbeddedCluster cluster = EmbeddedCluster.start(ClusterFixture.smallNode().build());
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(tee(originalErr, captured));
    try {
      Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
      try {
        List<ObjectRef<String>> tasks =
            List.of(
                Prism.task(InfeasibleTest::where).setResource("accelerator", 1.0).remote(),
                Prism.task(InfeasibleTest::where).setResource("accelerator", 1.0).remote());
        ActorHandle<ActorTest.Counter> actor =
            Prism.actor(ActorTest.Counter::new).setResource("accelerator", 2.0).remote();
        ObjectRef<Integer> call = actor.task(ActorTest.Counter::inc).remote();

        String taskWarning = "tasks needing {CPU=1.0, accelerator=1.0} cannot be scheduled";
        String actorWarning = "needing {accelerator=2.0} cannot be scheduled";
        Awaitility.await("the driver warns about both shapes")
            .atMost(WAIT)
            .until(
                () -> {
                  String err = captured.toString(StandardCharsets.UTF_8);
                  return err.contains(taskWarning) && err.contains(actorWarning);
                });
        String head = cluster.nodeId();
        String offers = "the cluster's nodes offer node " + head.substring(0, 8) + " {CPU=2";
        String err = captured.toString(StandardCharsets.UTF_8);
        assertThat(shown(err, taskWarning))
            .as("the warning names the request and what the nodes offer")
            .contains("accelerator needs 1 but the largest node total is 0")
            .contains(offers)
            .contains("Pending until a node that can run it joins");
        assertThat(shown(err, actorWarning)).contains("actor").contains(offers);

        Awaitility.await("prism status lists both demands")
            .atMost(WAIT)
            .until(
                () -> status(cluster.gcsAddress()),
                s -> s.contains("{CPU 1, accelerator 1}") && s.contains("{accelerator 2}"));
        String report = status(cluster.gcsAddress());
        assertThat(report).contains("Infeasible demands").contains(head);
        assertThat(Prism.wait(tasks, 1, Duration.ofSeconds(2)).ready())
            .as("nothing ran yet")
            .isEmpty();
        // Submitters keep retrying meanwhile: still one warning per shape.
        String later = captured.toString(StandardCharsets.UTF_8);
        shown(later, taskWarning);
        shown(later, actorWarning);

        NodeManager joined =
            cluster.addNode(ClusterFixture.smallNode().resource("accelerator", 3).build());
        assertThat(Prism.get(tasks, WAIT))
            .as("the tasks ran on the node that joined")
            .containsOnly(joined.nodeId());
        assertThat(Prism.get(call, WAIT)).as("the actor was created and answers").isEqualTo(1);
        Awaitility.await("prism status no longer lists the demands")
            .atMost(WAIT)
            .until(() -> status(cluster.gcsAddress()), s -> !s.contains("{accelerator"));
        actor.kill();
      } finally {
        Prism.shutdown();
      }
    } finally {
      System.setErr(originalErr);
      cluster.close();
    }
    ClusterFixture.awaitNothingLeft();
  }
}
