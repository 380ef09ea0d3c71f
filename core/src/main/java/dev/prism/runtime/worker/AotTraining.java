package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.store.StoreConfig;
import dev.prism.store.StoreServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The training run of a worker JVM's AOT cache (JEP 514/515): a node manager starts the worker main
 * class with {@code -XX:AOTCacheOutput} and {@link WorkerMain#TRAIN_ARGUMENT}, and this run loads,
 * links and exercises the classes every worker uses at start-up: its own small object store and the
 * store client, the core worker with its gRPC server, a gRPC call to that server, and the
 * serializer on small and large values. It needs no node: it runs on its own, in a directory of its
 * own under {@code java.io.tmpdir}, and exits when done; the JVM then writes the cache.
 */
final class AotTraining {

  private AotTraining() {}

  /**
   * Runs the training workload.
   *
   * @throws IOException if its directory cannot be made or removed
   */
  static void run() throws IOException {
    Path dir = Files.createTempDirectory("prism-aot-train-");
    try {
      exercise(dir);
    } finally {
      deleteTree(dir);
    }
  }

  private static void exercise(Path dir) {
    ClusterToken token = ClusterToken.generate();
    try (StoreServer store =
        StoreServer.start(
            StoreConfig.builder()
                .capacity(16L << 20)
                .shmDirectory(dir)
                .socketDirectory(dir)
                .spillDirectory(dir)
                .build())) {
      CoreWorker worker =
          CoreWorker.start(
              new CoreWorker.Settings(
                  CoreWorker.Mode.WORKER,
                  null,
                  "a0",
                  // nothing is sent to the node manager: the training never registers
                  "127.0.0.1:1",
                  store.socketPath(),
                  "127.0.0.1",
                  null,
                  List.of(),
                  WorkerTuning.defaults(),
                  null,
                  null,
                  token));
      try {
        List<ObjectRefImpl<?>> refs = new ArrayList<>();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("a", 1L);
        map.put("b", List.of("x", 2.5));
        for (Object value :
            List.of("text", 42, 7L, 3.25, List.of(1, 2, 3), map, new long[16], new byte[1 << 20])) {
          refs.add(CoreWorker.asImpl(worker.put(value)));
        }
        for (ObjectRefImpl<?> ref : refs) {
          worker.get(ref, Duration.ofSeconds(30));
        }
        ManagedChannel channel =
            Rpc.channel("127.0.0.1", worker.address().getPort(), token).build();
        try {
          CoreWorkerServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .getObject(
                  GetObjectRequest.newBuilder()
                      .setObjectId(ByteString.copyFrom(refs.getLast().objectId().toBytes()))
                      .setTimeoutMs(10_000)
                      .build());
        } finally {
          channel.shutdownNow();
        }
      } finally {
        worker.close();
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
