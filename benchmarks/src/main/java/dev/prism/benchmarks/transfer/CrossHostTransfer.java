package dev.prism.benchmarks.transfer;

import dev.prism.runtime.cli.Cli;
import dev.prism.runtime.cli.SessionDir;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.ObjectTransferConfig;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import dev.prism.store.ObjectId;
import dev.prism.store.StoreClient;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Object transfer between two hosts: two Linux network namespaces on this machine joined by a veth
 * link, each with its own address, standing in for two machines (they share the CPUs, memory and
 * file system; only the network is separate). Host A runs a head ({@code prism start --head
 * --host}); host B runs a node manager that joins it (in this benchmark's own JVM there) and pulls
 * an object from A's store over the link, timed from {@code FetchObject} to its reply, the copy
 * deleted between rounds; the baseline is a plain TCP copy of the same size from a process on A to
 * one on B over the same link, measured in the same run. The object is written into A's store
 * through A's store socket, which B can open because the hosts share a file system: a shortcut to
 * set up the source, not part of what is timed.
 *
 * <p>With {@code --tls} the head starts with {@code --tls} and host B uses its generated files: the
 * pull then goes over TLS gRPC (a TLS cluster opens no plain data port).
 *
 * <p>Usage: {@code TransferBenchmark --across-hosts [--tls] [--rounds N] [--size-mib N]}; needs
 * root and iproute2 ({@code ip netns}); says so and exits 2 without them.
 */
final class CrossHostTransfer {

  private static final long MIB = 1L << 20;
  private static final double GIB = 1L << 30;
  private static final int TCP_BUFFER = 4 << 20;
  private static final int TCP_PORT = 7100;

  private CrossHostTransfer() {}

  /** Sets up the hosts, runs both sides, tears everything down. */
  static void run(List<String> args) throws Exception {
    int rounds = TransferBenchmark.intArg(args, "--rounds", 5);
    int sizeMib = TransferBenchmark.intArg(args, "--size-mib", 1024);
    boolean tls = args.contains("--tls");
    String tag = "px" + (ProcessHandle.current().pid() % 100_000);
    String a = tag + "a";
    String b = tag + "b";
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String net = "10." + (200 + r.nextInt(50)) + "." + r.nextInt(256) + ".";
    String ipA = net + "1";
    String ipB = net + "2";
    if (ip("netns", "add", a) != 0) {
      System.err.println(
          "transfer --across-hosts needs root and iproute2 ('ip netns add' failed); not run");
      System.exit(2);
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pxh");
    List<Process> children = new ArrayList<>();
    try {
      must("netns", "add", b);
      must("link", "add", "eth0", "netns", a, "type", "veth", "peer", "name", "eth0", "netns", b);
      must("-n", a, "addr", "add", ipA + "/24", "dev", "eth0");
      must("-n", b, "addr", "add", ipB + "/24", "dev", "eth0");
      for (String ns : List.of(a, b)) {
        must("-n", ns, "link", "set", "eth0", "up");
        must("-n", ns, "link", "set", "lo", "up");
      }
      long capacity = sizeMib * MIB + sizeMib * MIB / 8 + 64 * MIB;
      Path rootA = dir.resolve("a");
      List<String> start = new ArrayList<>(List.of(Cli.class.getName(), "start", "--head"));
      if (tls) {
        start.add("--tls");
      }
      Process head =
          java(
              a,
              join(
                  start,
                  "--host",
                  ipA,
                  "--num-cpus",
                  "1",
                  "--object-store-memory",
                  String.valueOf(capacity),
                  "--temp-dir",
                  rootA.toString()));
      children.add(head);
      if (!head.waitFor(120, TimeUnit.SECONDS) || head.exitValue() != 0) {
        throw new IllegalStateException("the head on host A did not start");
      }
      Path session = SessionDir.latest(rootA).orElseThrow().path();
      Path token = session.resolve(ClusterToken.FILE_NAME);
      Process sender =
          java(
              a,
              List.of(
                  CrossHostTransfer.class.getName(),
                  "--tcp-send",
                  ipA,
                  String.valueOf(sizeMib),
                  String.valueOf(rounds)));
      children.add(sender);
      Process puller =
          java(
              b,
              List.of(
                  CrossHostTransfer.class.getName(),
                  "--pull",
                  ipA + ":6379",
                  token.toString(),
                  ipB,
                  String.valueOf(sizeMib),
                  String.valueOf(rounds),
                  dir.resolve("b").toString(),
                  tls ? session.toString() : "-"));
      children.add(puller);
      if (!puller.waitFor(20, TimeUnit.MINUTES) || puller.exitValue() != 0) {
        throw new IllegalStateException("the pulling side on host B failed");
      }
    } finally {
      Process stop =
          java(
              a,
              List.of(
                  Cli.class.getName(),
                  "stop",
                  "--force",
                  "--temp-dir",
                  dir.resolve("a").toString()));
      stop.waitFor(60, TimeUnit.SECONDS);
      for (Process p : children) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      ip("netns", "del", a);
      ip("netns", "del", b);
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * The two sides, each run in its host's namespace by {@link #run}.
   *
   * @param args {@code --tcp-send HOST SIZE_MIB ROUNDS} or {@code --pull GCS TOKEN_FILE OWN_IP
   *     SIZE_MIB ROUNDS SOCKET_DIR}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("--tcp-send")) {
      tcpSend(args[1], Long.parseLong(args[2]) * MIB, Integer.parseInt(args[3]));
    } else {
      if (!args[7].equals("-")) {
        // TLS: this side uses the head's generated files, as a node given copies of them would.
        Path s = Path.of(args[7]);
        TlsConfig.useForThisProcess(
            Optional.of(
                new TlsConfig(
                    s.resolve(TlsConfig.CERT_FILE),
                    s.resolve(TlsConfig.KEY_FILE),
                    s.resolve(TlsConfig.CA_FILE))));
      }
      pull(
          args[1],
          Path.of(args[2]),
          args[3],
          Long.parseLong(args[4]) * MIB,
          Integer.parseInt(args[5]),
          Path.of(args[6]));
    }
    System.exit(0);
  }

  /** Host B: TCP rounds from A, then Prism pulls from A into B's store. */
  private static void pull(
      String gcs, Path tokenFile, String ownIp, long size, int rounds, Path socketDir)
      throws Exception {
    String hostA = gcs.substring(0, gcs.lastIndexOf(':'));
    double[] tcp = new double[rounds];
    try (Arena arena = Arena.ofShared()) {
      MemorySegment to = arena.allocate(size, 64);
      for (int i = 0; i < rounds; i++) {
        tcp[i] = tcpReceive(new InetSocketAddress(hostA, TCP_PORT), to, size);
      }
    }
    ClusterToken token = ClusterToken.readFrom(tokenFile);
    Files.createDirectories(socketDir);
    NodeConfig config =
        NodeConfig.builder()
            .host(ownIp)
            .gcsAddress(gcs)
            .token(token)
            .numCpus(1)
            .numGpus(0)
            .prestartWorkers(0)
            .objectStoreCapacity(size + size / 8 + 64 * MIB)
            .socketDirectory(socketDir)
            .reportPeriod(Duration.ofMillis(200))
            .build();
    NodeInfo a;
    try (GcsClient client = GcsClient.connect(gcs, Duration.ofSeconds(10), token)) {
      a =
          client.getAllNodes().stream()
              .filter(n -> n.getAlive() && n.getAddress().getHost().equals(hostA))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no node at " + hostA));
    }
    try (NodeManager nodeB = NodeManager.start(config);
        StoreClient storeA = StoreClient.connect(Path.of(a.getStoreSocket()));
        StoreClient storeB = StoreClient.connect(nodeB.storeSocketPath())) {
      ManagedChannel channel = Rpc.channel(nodeB.address(), token).build();
      ObjectId id = TransferBenchmark.writeSource(storeA, size);
      FetchObjectRequest request = TransferBenchmark.fetchRequest(id, a.getNodeId());
      List<ManagedChannel> one = List.of(channel);
      List<StoreClient> here = List.of(storeB);
      double cold = TransferBenchmark.pullRound(one, here, request, id, size);
      double[] pull = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        pull[i] = TransferBenchmark.pullRound(one, here, request, id, size);
      }
      storeA.delete(id);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      System.out.printf(
          Locale.ROOT,
          "%ncross-host transfer: %d MiB, %d rounds, host A %s -> host B %s (veth link), %s%n%n",
          size / MIB,
          rounds,
          hostA,
          ownIp,
          Rpc.usesTls()
              ? "TLS (objects over TLS gRPC)"
              : ObjectTransferConfig.fromSystemProperties().dataChannel()
                  ? "plain text (data port)"
                  : "plain text (gRPC stream: prism.objectDataChannel=false)");
      System.out.println("| measurement | median | best |");
      System.out.println("| --- | ---: | ---: |");
      TransferBenchmark.row(
          "plain TCP copy A -> B over the link, " + size / MIB + " MiB (SocketChannel)", tcp);
      TransferBenchmark.row(
          "Prism pull A -> B, "
              + size / MIB
              + " MiB (FetchObject"
              + (Rpc.usesTls() ? ", TLS" : "")
              + ")",
          pull);
      System.out.printf(
          Locale.ROOT, "| Prism pull, first (cold store pages on B) | %.2f GiB/s | |%n", cold);
      System.out.printf(
          Locale.ROOT,
          "| pull / TCP | %.0f %% | %.0f %% |%n",
          100 * TransferBenchmark.median(pull) / TransferBenchmark.median(tcp),
          100 * TransferBenchmark.max(pull) / TransferBenchmark.max(tcp));
    }
  }

  /** Host A: serves {@code rounds} connections, each {@code size} bytes from native memory. */
  private static void tcpSend(String host, long size, int rounds) throws IOException {
    try (Arena arena = Arena.ofShared();
        ServerSocketChannel server = ServerSocketChannel.open()) {
      MemorySegment from = arena.allocate(size, 64);
      from.fill((byte) 1);
      server.bind(new InetSocketAddress(host, TCP_PORT));
      for (int i = 0; i < rounds; i++) {
        try (SocketChannel out = server.accept()) {
          for (long sent = 0; sent < size; ) {
            ByteBuffer b = from.asSlice(sent, Math.min(TCP_BUFFER, size - sent)).asByteBuffer();
            while (b.hasRemaining()) {
              sent += out.write(b);
            }
          }
        }
      }
    }
    System.exit(0);
  }

  /** One TCP round on B: connects (retrying until A listens) and reads everything; GiB/s. */
  private static double tcpReceive(InetSocketAddress from, MemorySegment to, long size)
      throws Exception {
    to.fill((byte) 0);
    SocketChannel in = null;
    for (int attempt = 0; in == null; attempt++) {
      try {
        in = SocketChannel.open(from);
      } catch (IOException e) {
        if (attempt > 200) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
    long start = System.nanoTime();
    try (SocketChannel c = in) {
      long got = 0;
      while (got < size) {
        int n = c.read(to.asSlice(got, Math.min(TCP_BUFFER, size - got)).asByteBuffer());
        if (n < 0) {
          throw new IOException("sender closed after " + got + " bytes");
        }
        got += n;
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    if (to.get(ValueLayout.JAVA_BYTE, size - 1) != 1) {
      throw new IllegalStateException("TCP copy is wrong");
    }
    return size / GIB / secs;
  }

  /** A child JVM with this JVM's options and class path, in namespace {@code ns}, output shared. */
  private static Process java(String ns, List<String> mainAndArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(mainAndArgs);
    return new ProcessBuilder(command).inheritIO().start();
  }

  private static List<String> join(List<String> head, String... rest) {
    List<String> out = new ArrayList<>(head);
    out.addAll(Arrays.asList(rest));
    return out;
  }

  private static void must(String... args) throws IOException, InterruptedException {
    if (ip(args) != 0) {
      throw new IOException("ip " + String.join(" ", args) + " failed");
    }
  }

  private static int ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
