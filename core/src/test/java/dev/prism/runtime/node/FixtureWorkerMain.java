package dev.prism.runtime.node;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.ExitReply;
import dev.prism.runtime.rpc.ExitRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.RegisterWorkerReply;
import dev.prism.runtime.rpc.RegisterWorkerRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in worker for node-manager tests: does what a worker does on the node manager's side of
 * the launch contract. It reads the {@code PRISM_*} environment, serves a CoreWorkerService that
 * implements {@code Exit}, prints one line to stdout (with its GPU environment) and one to stderr,
 * registers, and exits when {@code Exit} is called or its parent process dies.
 *
 * <p>{@code PRISM_TEST_WORKER_MODE} changes its behaviour: {@code never-register} serves but never
 * registers; {@code exit-before-register} prints a line and exits with code 3; {@code
 * exit-before-register-once} does so only in the first worker that creates the file named by {@code
 * PRISM_TEST_WORKER_FLAG} (the others behave normally).
 */
public final class FixtureWorkerMain {

  /** The environment variable that selects a misbehaviour. */
  public static final String MODE = "PRISM_TEST_WORKER_MODE";

  /** The file whose creation picks the one failing worker of {@code exit-before-register-once}. */
  public static final String FLAG = "PRISM_TEST_WORKER_FLAG";

  private FixtureWorkerMain() {}

  /**
   * Runs the fixture worker.
   *
   * @param args ignored
   * @throws Exception on a failure, which ends the process
   */
  public static void main(String[] args) throws Exception {
    String mode = System.getenv().getOrDefault(MODE, "normal");
    long parent = Long.parseLong(System.getenv("PRISM_PARENT_PID"));
    ProcessHandle.of(parent)
        .ifPresentOrElse(
            p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(0)),
            () -> Runtime.getRuntime().halt(0));
    String workerId = System.getenv("PRISM_WORKER_ID");
    System.out.println(
        "fixture worker "
            + workerId
            + " CUDA_VISIBLE_DEVICES="
            + System.getenv("CUDA_VISIBLE_DEVICES")
            + " PRISM_GPU_IDS="
            + System.getenv("PRISM_GPU_IDS"));
    System.err.println("fixture worker " + workerId + " says hello on stderr");
    if (mode.equals("exit-before-register-once")) {
      try {
        java.nio.file.Files.createFile(java.nio.file.Path.of(System.getenv(FLAG)));
        mode = "exit-before-register";
      } catch (java.nio.file.FileAlreadyExistsException e) {
        mode = "normal";
      }
    }
    if (mode.equals("exit-before-register")) {
      System.err.println("fixture worker " + workerId + " exits before registering");
      System.exit(3);
    }
    CountDownLatch exit = new CountDownLatch(1);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new CoreWorkerServiceGrpc.CoreWorkerServiceImplBase() {
                  @Override
                  public void exit(ExitRequest request, StreamObserver<ExitReply> out) {
                    out.onNext(ExitReply.getDefaultInstance());
                    out.onCompleted();
                    exit.countDown();
                  }
                })
            .build()
            .start();
    if (!mode.equals("never-register")) {
      ManagedChannel nm =
          Grpc.newChannelBuilder(
                  System.getenv("PRISM_NODE_MANAGER_ADDRESS"), InsecureChannelCredentials.create())
              .intercept(
                  dev.prism.runtime.security.TokenAuth.clientInterceptor(
                      dev.prism.runtime.security.ClusterToken.processDefault()))
              .build();
      RegisterWorkerReply reply =
          NodeManagerServiceGrpc.newBlockingStub(nm)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .registerWorker(
                  RegisterWorkerRequest.newBuilder()
                      .setWorkerId(workerId)
                      .setPid((int) ProcessHandle.current().pid())
                      .setAddress(
                          Address.newBuilder().setHost("127.0.0.1").setPort(server.getPort()))
                      .build());
      if (!reply.getNodeId().equals(System.getenv("PRISM_NODE_ID"))) {
        System.err.println("node id mismatch: " + reply.getNodeId());
        System.exit(4);
      }
      nm.shutdownNow();
    }
    exit.await();
    server.shutdownNow();
    System.exit(0);
  }
}
