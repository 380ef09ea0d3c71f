package dev.prism.benchmarks.transfer;

import com.google.protobuf.ByteString;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.ObjectTransferConfig;
import dev.prism.runtime.rpc.FetchObjectReply;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectWriter;
import dev.prism.store.StoreClient;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Object transfer between nodes: four node managers in this JVM (each with its own store and port,
 * on loopback, as tests emulate a cluster), a 1 GiB object in node A's store.
 *
 * <ul>
 *   <li>TCP baseline: a plain {@code SocketChannel} copy of 1 GiB over loopback, from one native
 *       segment to another (sender and receiver threads), measured in the same run;
 *   <li>pull: node B fetches the object from node A ({@code FetchObject}: {@code OpenPull} over
 *       gRPC, then the bytes over A's TCP data port from A's shared memory straight into B's,
 *       sealed there), timed from request to reply; the copy is deleted between rounds; the first
 *       (cold) round is reported apart, since it also pays the first touch of B's store pages;
 *   <li>broadcast: nodes B, C and D fetch the object at once (three concurrent pulls from A).
 * </ul>
 *
 * Prints GiB/s and the ratio of pull to TCP.
 *
 * <p>Usage: {@code TransferBenchmark [--rounds N] [--size-mib N]}; with {@code --across-hosts} the
 * pull goes between two hosts made of network namespaces instead ({@link CrossHostTransfer});
 * system properties: {@code prism.objectDataChannel=false} measures the older streamed gRPC {@code
 * Pull} instead (chunk size {@code prism.objectChunkBytes}), {@code prism.objectDataIoBytes} sets
 * the data channel's bytes per read and write.
 */
public final class TransferBenchmark {

  private static final long MIB = 1L << 20;
  private static final double GIB = 1L << 30;
  private static final int TCP_BUFFER = 4 << 20;

  private TransferBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code [--rounds N] [--size-mib N]}
   * @throws Exception if the benchmark fails
   */
  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    if (a.contains("--across-hosts")) {
      CrossHostTransfer.run(a);
      return;
    }
    int rounds = intArg(a, "--rounds", 5);
    long size = intArg(a, "--size-mib", 1024) * MIB;
    long capacity = size + size / 8 + 64 * MIB;
    ObjectTransferConfig transfer = ObjectTransferConfig.fromSystemProperties();
    System.out.printf(
        Locale.ROOT,
        "transfer benchmark: %d MiB object, %d rounds, %d cpus,"
            + " data channel %s, I/O %s bytes, chunk %s bytes%n",
        size / MIB,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        transfer.dataChannel(),
        transfer.dataIoBytes(),
        transfer.chunkBytes());

    double[] tcp = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      tcp[r] = tcpCopy(size);
    }

    NodeConfig.Builder node =
        NodeConfig.builder()
            .numCpus(1)
            .numGpus(0)
            .prestartWorkers(0)
            .objectStoreCapacity(capacity)
            .reportPeriod(Duration.ofMillis(200));
    try (EmbeddedCluster cluster = EmbeddedCluster.start(node.build())) {
      NodeManager a0 = cluster.headNode();
      List<NodeManager> others =
          List.of(
              cluster.addNode(node.build()),
              cluster.addNode(node.build()),
              cluster.addNode(node.build()));
      List<ManagedChannel> channels = new ArrayList<>();
      List<StoreClient> stores = new ArrayList<>();
      try (StoreClient storeA = StoreClient.connect(a0.storeSocketPath())) {
        for (NodeManager n : others) {
          channels.add(Rpc.channel(n.address(), cluster.token()).build());
          stores.add(StoreClient.connect(n.storeSocketPath()));
        }
        ObjectId id = writeSource(storeA, size);
        FetchObjectRequest request = fetchRequest(id, a0.nodeId());

        double cold = pullRound(channels.subList(0, 1), stores.subList(0, 1), request, id, size);
        double[] pull = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          pull[r] = pullRound(channels.subList(0, 1), stores.subList(0, 1), request, id, size);
        }
        double coldBroadcast = pullRound(channels, stores, request, id, size);
        double[] broadcast = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          broadcast[r] = pullRound(channels, stores, request, id, size);
        }

        System.out.println();
        System.out.println("| measurement | median | best |");
        System.out.println("| --- | ---: | ---: |");
        row("plain TCP loopback copy, " + size / MIB + " MiB (SocketChannel)", tcp);
        row("cross-node pull, " + size / MIB + " MiB (FetchObject B <- A)", pull);
        System.out.printf(
            Locale.ROOT,
            "| cross-node pull, first (cold store pages on B) | %.2f GiB/s" + " | |%n",
            cold);
        System.out.printf(
            Locale.ROOT,
            "| pull / TCP | %.0f %% | %.0f %% |%n",
            100 * median(pull) / median(tcp),
            100 * max(pull) / max(tcp));
        row("broadcast to 3 nodes (3 concurrent pulls; aggregate)", broadcast);
        System.out.printf(
            Locale.ROOT, "| broadcast, first (cold store pages) | %.2f GiB/s | |%n", coldBroadcast);
        System.out.printf(
            Locale.ROOT,
            "| broadcast: time to deliver to all 3 | %.3f s | %.3f s |%n",
            3 * size / GIB / median(broadcast),
            3 * size / GIB / max(broadcast));
      } finally {
        for (ManagedChannel c : channels) {
          c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (StoreClient s : stores) {
          s.close();
        }
      }
    }
  }

  /** Writes and seals an object of {@code size} bytes (a counting pattern) in a source's store. */
  static ObjectId writeSource(StoreClient store, long size) {
    ObjectId id = ObjectId.random();
    try (ObjectWriter w = store.create(id, size)) {
      MemorySegment s = w.segment();
      for (long i = 0; i + 8 <= size; i += 8) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i);
      }
      w.seal();
    }
    return id;
  }

  /** The request that makes a node pull {@code id} from {@code sourceNode}. */
  static FetchObjectRequest fetchRequest(ObjectId id, String sourceNode) {
    return FetchObjectRequest.newBuilder()
        .setObjectId(ByteString.copyFrom(id.toBytes()))
        .setSourceNodeId(sourceNode)
        .build();
  }

  /** Fetches the object on every given node at once, deletes the copies; aggregate GiB/s. */
  static double pullRound(
      List<ManagedChannel> channels,
      List<StoreClient> stores,
      FetchObjectRequest request,
      ObjectId id,
      long size) {
    long start = System.nanoTime();
    List<CompletableFuture<FetchObjectReply>> replies = new ArrayList<>();
    for (ManagedChannel c : channels) {
      replies.add(
          CompletableFuture.supplyAsync(
              () ->
                  ObjectManagerServiceGrpc.newBlockingStub(c)
                      .withDeadlineAfter(5, TimeUnit.MINUTES)
                      .fetchObject(request)));
    }
    for (CompletableFuture<FetchObjectReply> r : replies) {
      if (!r.join().getPulled()) {
        throw new IllegalStateException("the object was already there: nothing was measured");
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    for (StoreClient s : stores) {
      s.delete(id);
    }
    return channels.size() * size / GIB / secs;
  }

  /** A plain loopback TCP copy between two native segments; GiB/s. */
  private static double tcpCopy(long size) throws Exception {
    try (Arena arena = Arena.ofShared();
        ServerSocketChannel server = ServerSocketChannel.open()) {
      MemorySegment from = arena.allocate(size, 64);
      MemorySegment to = arena.allocate(size, 64);
      from.fill((byte) 1);
      to.fill((byte) 0);
      server.bind(new InetSocketAddress(EmbeddedCluster.LOOPBACK, 0));
      CompletableFuture<Long> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (SocketChannel in = server.accept()) {
                  long got = 0;
                  while (got < size) {
                    ByteBuffer b = to.asSlice(got, Math.min(TCP_BUFFER, size - got)).asByteBuffer();
                    int n = in.read(b);
                    if (n < 0) {
                      throw new IOException("sender closed after " + got + " bytes");
                    }
                    got += n;
                  }
                  return got;
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      long start = System.nanoTime();
      try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
        for (long sent = 0; sent < size; ) {
          ByteBuffer b = from.asSlice(sent, Math.min(TCP_BUFFER, size - sent)).asByteBuffer();
          while (b.hasRemaining()) {
            sent += out.write(b);
          }
        }
      }
      received.get(5, TimeUnit.MINUTES);
      double secs = (System.nanoTime() - start) / 1e9;
      if (to.get(ValueLayout.JAVA_BYTE, size - 1) != 1) {
        throw new IllegalStateException("TCP copy is wrong");
      }
      return size / GIB / secs;
    }
  }

  static void row(String name, double[] values) {
    System.out.printf(
        Locale.ROOT, "| %s | %.2f GiB/s | %.2f GiB/s |%n", name, median(values), max(values));
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double max(double[] v) {
    return Arrays.stream(v).max().orElse(0);
  }

  static int intArg(List<String> args, String name, int dflt) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? Integer.parseInt(args.get(i + 1)) : dflt;
  }
}
