package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.CreateActorRequest;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.GetNodeInfoRequest;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import dev.prism.runtime.worker.CoreWorker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster token on a real embedded cluster (GCS and node manager in this JVM, workers as child
 * JVMs): calls without the token or with a wrong one are refused with UNAUTHENTICATED by the GCS,
 * the node manager and a worker, before any of their messages is handled, and logged; the cluster
 * goes on working; workers get the token through their environment, not their command line; and
 * every server binds loopback only.
 */
@Timeout(180)
class ClusterAuthenticationTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().prestartWorkers(1).build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /** What a worker knows about where it runs: node manager, GCS, its own server, its argv. */
  static List<String> whereAmI() {
    var a = CoreWorker.current().address();
    return List.of(
        System.getenv("PRISM_NODE_MANAGER_ADDRESS"),
        System.getenv("PRISM_GCS_ADDRESS"),
        a.getHost() + ":" + a.getPort(),
        String.join(" ", ProcessHandle.current().info().arguments().orElse(new String[0])),
        String.valueOf(ClusterToken.processDefault().matches(System.getenv(ClusterToken.ENV))));
  }

  static int add(int a, int b) {
    return a + b;
  }

  @Test
  void callsWithoutTheTokenOrWithAWrongOneAreRefusedLoggedAndHarmless() throws Exception {
    List<String> where = Prism.get(Prism.task(ClusterAuthenticationTest::whereAmI).remote(), WAIT);
    String nodeManager = where.get(0);
    String gcs = where.get(1);
    String worker = where.get(2);
    assertThat(where.get(3))
        .as("the worker's command line")
        .doesNotContain(ClusterToken.processDefault().secret());
    assertThat(where.get(4))
        .as("the worker got the cluster's token in its environment")
        .isEqualTo("true");

    List<String> logged;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
    try {
      for (Optional<ClusterToken> token :
          List.of(Optional.<ClusterToken>empty(), Optional.of(ClusterToken.generate()))) {
        refused(
            gcs,
            token,
            ch ->
                GcsServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getAllNodes(GetAllNodesRequest.getDefaultInstance()));
        refused(
            nodeManager,
            token,
            ch ->
                NodeManagerServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()));
        refused(
            worker,
            token,
            ch ->
                CoreWorkerServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getObject(
                        GetObjectRequest.newBuilder()
                            .setObjectId(ByteString.copyFrom(new byte[28]))
                            .build()));
        // A payload that would be deserialized (an actor's constructor and arguments): refused
        // before the worker looks at it.
        refused(
            worker,
            token,
            ch ->
                CoreWorkerServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .createActor(CreateActorRequest.getDefaultInstance()));
      }
      Awaitility.await("the refusals are logged, the worker's too")
          .atMost(WAIT)
          .until(
              () ->
                  captured
                      .toString(StandardCharsets.UTF_8)
                      .contains("CoreWorkerService/GetObject"));
    } finally {
      System.setErr(original);
    }
    logged =
        captured
            .toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("refused"))
            .toList();
    assertThat(logged)
        .anyMatch(
            l ->
                l.contains("GCS refused")
                    && l.contains("GcsService/GetAllNodes")
                    && l.contains("/127.0.0.1:")
                    && l.contains("no cluster token"));
    assertThat(logged)
        .anyMatch(
            l ->
                l.contains("node manager")
                    && l.contains("refused")
                    && l.contains("NodeManagerService/GetNodeInfo")
                    && l.contains("no cluster token"));
    assertThat(logged)
        .anyMatch(
            l ->
                l.contains("worker ")
                    && l.contains("refused")
                    && l.contains("CoreWorkerService/GetObject")
                    && l.contains("/127.0.0.1:"));
    assertThat(String.join("\n", logged)).doesNotContain(ClusterToken.processDefault().secret());

    // The cluster goes on working.
    assertThat(Prism.get(Prism.task(ClusterAuthenticationTest::add, 20, 22).remote(), WAIT))
        .isEqualTo(42);

    // Every server binds loopback: the same ports on another address of this machine refuse.
    Optional<InetAddress> other = nonLoopbackAddress();
    if (other.isPresent()) {
      for (String hostPort : List.of(gcs, nodeManager, worker)) {
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        assertThat(hostPort).startsWith("127.0.0.1:");
        assertThatThrownBy(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(other.get(), port), 5000);
                  }
                })
            .as("port %d on %s", port, other.get())
            .isInstanceOf(IOException.class);
      }
    }
  }

  private static void refused(
      String hostPort, Optional<ClusterToken> token, Consumer<ManagedChannel> call)
      throws InterruptedException {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(hostPort).usePlaintext();
    token.map(TokenAuth::clientInterceptor).ifPresent(i -> b.intercept(i));
    ManagedChannel ch = b.build();
    try {
      assertThatThrownBy(() -> call.accept(ch))
          .as("a call to %s with %s", hostPort, token.map(t -> "a wrong token").orElse("no token"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).isEqualTo(TokenAuth.REFUSED);
              });
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    List<InetAddress> found = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (ni.isUp() && !ni.isLoopback()) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            found.add(a);
          }
        }
      }
    }
    return found.stream().findFirst();
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }
  }
}
