package dev.prism.benchmarks.serve;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.serve.Deployment;
import dev.prism.serve.Serve;
import dev.prism.serve.ServeConfig;
import java.util.concurrent.CountDownLatch;

/**
 * Starts an embedded Prism cluster with Serve and one benchmark application, prints {@code READY
 * <url>} and serves until killed: the Prism side of {@code compare_serve.sh}, which drives it with
 * wrk exactly as it drives Ray Serve.
 *
 * <pre>
 *   benchmarks/run serve noop|digits [--replicas N] [--port P] [--cpus N]
 * </pre>
 *
 * <p>Like the Ray side ({@code ray.init(num_cpus=2)}, Serve's defaults), the cluster has as many
 * CPUs as the machine, each replica holds one CPU and runs at most 5 requests at once, and one
 * proxy listens on 127.0.0.1.
 */
public final class ServeBench {

  private ServeBench() {}

  /**
   * Runs it.
   *
   * @param args shape and options
   * @throws Exception when it cannot start
   */
  public static void main(String[] args) throws Exception {
    String shape = args.length > 0 ? args[0] : "noop";
    int replicas = 1;
    int port = 8001;
    int cpus = Runtime.getRuntime().availableProcessors();
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--replicas" -> replicas = Integer.parseInt(args[i + 1]);
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--cpus" -> cpus = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Prism.init(PrismConfig.builder().numCpus(cpus).build());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Serve.shutdown();
                  } finally {
                    Prism.shutdown();
                  }
                }));
    Serve.start(ServeConfig.defaults().withPort(port));
    switch (shape) {
      case "noop" ->
          Serve.run(
              Deployment.builder(Noop.class).numReplicas(replicas).build().bind(), "noop", "/");
      case "digits" -> Serve.run(DigitsBench.application(), "digits", "/digits");
      default ->
          throw new IllegalArgumentException("unknown shape " + shape + "; give noop or digits");
    }
    System.out.println("READY " + Serve.httpUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
