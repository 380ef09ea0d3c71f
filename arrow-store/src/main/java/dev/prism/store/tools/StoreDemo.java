package dev.prism.store.tools;

import dev.prism.store.ArrowObject;
import dev.prism.store.ObjectId;
import dev.prism.store.Payload;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreConfig;
import dev.prism.store.StoreServer;
import dev.prism.store.StoreStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A two-process tour of the object store: this JVM starts a store server and puts an Arrow table
 * and a raw payload; a second JVM connects as a client, reads both zero-copy and shows that its
 * Arrow buffers lie inside its shared mapping. Everything is removed at the end.
 */
public final class StoreDemo {

  private StoreDemo() {}

  /**
   * Runs the demo.
   *
   * @param args empty to run the demo; {@code --reader SOCKET ROOT_ID PAYLOAD_ID} in the child
   * @throws Exception if the demo fails
   */
  public static void main(String[] args) throws Exception {
    // Arrow logs its allocator choice at INFO; keep the demo's output to what it shows.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.arrow", "warn");
    if (args.length == 4 && args[0].equals("--reader")) {
      reader(Path.of(args[1]), ObjectId.fromHex(args[2]), ObjectId.fromHex(args[3]));
      return;
    }
    long t0 = System.nanoTime();
    StoreConfig config = StoreConfig.builder().capacity(64L << 20).build();
    try (StoreServer server = StoreServer.start(config);
        StoreClient client = server.connect();
        BufferAllocator allocator = new RootAllocator()) {
      System.out.printf(
          "[server] store %s: %d MiB of shared memory at %s%n",
          server.name(), config.capacity() >> 20, server.shmPath());
      ObjectId tableId = ObjectId.random();
      ObjectId payloadId = ObjectId.random();
      try (VectorSchemaRoot root = sampleTable(allocator)) {
        client.putRoot(tableId, root);
        System.out.printf(
            "[server] put Arrow table %s (%d rows: %s)%n",
            tableId,
            root.getRowCount(),
            root.getSchema().getFields().stream().map(f -> f.getName()).toList());
      }
      byte[] text = "Hello from the Prism object store!".getBytes(StandardCharsets.UTF_8);
      client.putBytes(payloadId, text, "text/plain".getBytes(StandardCharsets.UTF_8));
      System.out.printf(
          "[server] put raw payload %s (%d bytes, metadata \"text/plain\")%n",
          payloadId, text.length);

      System.out.println("[server] starting a second JVM as a client ...");
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (a.startsWith("--add-opens")
            || a.startsWith("--enable-native-access")
            || a.startsWith("--sun-misc-unsafe-memory-access")) {
          cmd.add(a);
        }
      }
      cmd.addAll(
          List.of(
              "-Xmx128m",
              "-XX:TieredStopAtLevel=1",
              "-cp",
              System.getProperty("java.class.path"),
              StoreDemo.class.getName(),
              "--reader",
              server.socketPath().toString(),
              tableId.toString(),
              payloadId.toString()));
      Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          System.out.println("  " + line);
        }
      }
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        throw new IllegalStateException("the reader JVM did not finish within 30 s");
      }
      if (child.exitValue() != 0) {
        throw new IllegalStateException(
            "the reader JVM failed with exit code " + child.exitValue());
      }
      StoreStats s = server.stats();
      System.out.printf(
          "[server] stats: %d objects, %d sealed, %d pinned, %d KiB used of %d MiB,"
              + " %d clients%n",
          s.objectCount(),
          s.sealedCount(),
          s.pinnedCount(),
          s.usedBytes() >> 10,
          s.capacity() >> 20,
          s.clients());
      Path shm = server.shmPath();
      client.close();
      server.close();
      System.out.printf(
          "[server] shut down; %s removed: %b; done in %d ms%n",
          shm.getFileName(), !Files.exists(shm), (System.nanoTime() - t0) / 1_000_000);
    }
  }

  private static VectorSchemaRoot sampleTable(BufferAllocator allocator) {
    VectorSchemaRoot root =
        VectorSchemaRoot.create(
            new org.apache.arrow.vector.types.pojo.Schema(
                List.of(
                    org.apache.arrow.vector.types.pojo.Field.notNullable(
                        "id", new org.apache.arrow.vector.types.pojo.ArrowType.Int(32, true)),
                    org.apache.arrow.vector.types.pojo.Field.nullable(
                        "name", org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE),
                    org.apache.arrow.vector.types.pojo.Field.nullable(
                        "score",
                        new org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint(
                            org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE)))),
            allocator);
    String[] names = {"ada", "grace", "alan", "barbara", "edsger"};
    IntVector id = (IntVector) root.getVector("id");
    VarCharVector name = (VarCharVector) root.getVector("name");
    Float8Vector score = (Float8Vector) root.getVector("score");
    root.allocateNew();
    for (int i = 0; i < names.length; i++) {
      id.setSafe(i, i + 1);
      name.setSafe(i, names[i].getBytes(StandardCharsets.UTF_8));
      score.setSafe(i, 0.5 + i * 1.25);
    }
    root.setRowCount(names.length);
    return root;
  }

  private static void reader(Path socket, ObjectId tableId, ObjectId payloadId) {
    long pid = ProcessHandle.current().pid();
    try (StoreClient client = StoreClient.connect(socket);
        BufferAllocator allocator = new RootAllocator()) {
      System.out.printf(
          "[client pid %d] connected; mapped %s read-only at 0x%x (%d MiB)%n",
          pid, client.shmPath().getFileName(), client.mapping().address(), client.capacity() >> 20);
      try (ArrowObject table = client.getRoot(tableId, allocator, Duration.ofSeconds(10))) {
        VectorSchemaRoot root = table.root();
        System.out.printf("[client pid %d] read table %s:%n", pid, tableId);
        for (String line : root.contentToTSVString().strip().split("\n")) {
          System.out.println("    " + line);
        }
        boolean allInside = true;
        for (FieldVector v : root.getFieldVectors()) {
          long addr = v.getDataBuffer().memoryAddress();
          boolean inside = client.isInMapping(addr);
          allInside &= inside;
          System.out.printf(
              "    column %-5s data buffer at 0x%x -> inside the shared mapping: %b%n",
              v.getName(), addr, inside);
        }
        System.out.printf(
            "[client pid %d] zero-copy: %s%n",
            pid, allInside ? "yes, every buffer lies in shared memory" : "NO");
      }
      try (Payload p = client.getPayload(payloadId, Duration.ofSeconds(10))) {
        System.out.printf(
            "[client pid %d] read payload: \"%s\" (metadata \"%s\", at 0x%x, inside"
                + " the mapping: %b)%n",
            pid,
            new String(p.toByteArray(), StandardCharsets.UTF_8),
            new String(p.metadata(), StandardCharsets.UTF_8),
            p.data().address(),
            client.isInMapping(p.data().address()));
      }
    }
  }
}
