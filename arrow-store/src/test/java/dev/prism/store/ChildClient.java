package dev.prism.store;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The main of the child JVMs that the cross-process tests start. Prints results as lines. */
public final class ChildClient {

  private ChildClient() {}

  /**
   * Runs one mode.
   *
   * @param args mode and its arguments
   * @throws Exception on failure (exit code 1)
   */
  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[1]);
    switch (args[0]) {
      case "read-root" -> readRoot(socket, ObjectId.fromHex(args[2]));
      case "read-payload" -> readPayload(socket, ObjectId.fromHex(args[2]));
      case "write-root" -> writeRoot(socket, ObjectId.fromHex(args[2]));
      case "hold" -> hold(socket, ObjectId.fromHex(args[2]), ObjectId.fromHex(args[3]));
      case "worker" -> worker(socket, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "watch-root" -> watchRoot(socket, ObjectId.fromHex(args[2]));
      case "scribble-arrow" -> scribbleArrow(socket, ObjectId.fromHex(args[2]));
      case "scribble-raw" -> scribbleRaw(socket, ObjectId.fromHex(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void readRoot(Path socket, ObjectId id) {
    try (StoreClient c = StoreClient.connect(socket);
        BufferAllocator a = new RootAllocator();
        ArrowObject o = c.getRoot(id, a, Duration.ofSeconds(10))) {
      VectorSchemaRoot root = o.root();
      boolean inside = true;
      for (FieldVector v : root.getFieldVectors()) {
        for (var buf : v.getFieldBuffers()) {
          if (buf.capacity() > 0 && !c.isInMapping(buf.memoryAddress())) {
            inside = false;
          }
        }
      }
      System.out.println("ROWS " + root.getRowCount());
      System.out.println("TSV " + root.contentToTSVString().replace("\n", "|"));
      System.out.println("RENDER " + ArrowFixtures.render(root));
      System.out.println("ZEROCOPY " + inside);
    }
  }

  private static void readPayload(Path socket, ObjectId id) {
    try (StoreClient c = StoreClient.connect(socket);
        Payload p = c.getPayload(id, Duration.ofSeconds(10))) {
      System.out.println("CHECKSUM " + StoreTestSupport.checksum(p.data()));
      System.out.println(
          "META " + new String(p.metadata(), java.nio.charset.StandardCharsets.UTF_8));
      System.out.println("ZEROCOPY " + c.isInMapping(p.data().address()));
    }
  }

  private static void writeRoot(Path socket, ObjectId id) {
    try (StoreClient c = StoreClient.connect(socket);
        BufferAllocator a = new RootAllocator();
        VectorSchemaRoot root = ArrowFixtures.table(a, 1000)) {
      c.putRoot(id, root);
      c.sync();
      System.out.println("WROTE");
    }
  }

  /** Pins an object, leaves two unsealed, blocks a thread in a get, says READY, waits for kill. */
  private static void hold(Path socket, ObjectId pinned, ObjectId unsealed) throws Exception {
    StoreClient c = StoreClient.connect(socket);
    ObjectBuffer b = c.get(pinned, Duration.ofSeconds(10));
    ObjectBuffer b2 = c.get(pinned, Duration.ofSeconds(10));
    ObjectWriter w = c.create(unsealed, 4096);
    w.segment().fill((byte) 7);
    // and a thread blocked (on an extra connection) waiting for an object that never comes
    ObjectId never = ObjectId.random();
    c.create(never, 8); // unsealed, so the get waits rather than failing
    Thread.ofPlatform().daemon().start(() -> c.get(never, Duration.ofSeconds(120)));
    Thread.sleep(200);
    c.sync();
    System.out.println("READY " + b.size() + " " + b2.size() + " " + w.size());
    Thread.sleep(60_000);
  }

  /** Puts and reads back {@code count} payloads of varied sizes from 2 threads. */
  private static void worker(Path socket, int seed, int count) throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 2; t++) {
      int ts = seed * 10 + t;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (StoreClient c = StoreClient.connect(socket)) {
                      for (int i = 0; i < count; i++) {
                        byte[] data =
                            StoreTestSupport.pattern(ts * 100_000L + i, 100 + (i * 7919) % 20_000);
                        ObjectId id = ObjectId.random();
                        c.putBytes(id, data, new byte[] {(byte) i});
                        try (Payload p = c.getPayload(id, Duration.ofSeconds(10))) {
                          if (StoreTestSupport.checksum(p.data())
                                  != StoreTestSupport.checksum(MemorySegment.ofArray(data))
                              || p.metadata()[0] != (byte) i) {
                            throw new AssertionError("checksum mismatch for " + id);
                          }
                        }
                        if (i % 2 == 0) {
                          c.delete(id);
                        }
                      }
                      c.sync();
                    } catch (Throwable e) {
                      errors.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!errors.isEmpty()) {
      errors.get(0).printStackTrace(System.out);
      System.exit(1);
    }
    System.out.println("DONE " + (2 * count));
  }

  /**
   * Reads a root and its object's bytes, prints what it saw, says READY, waits for a line on
   * standard input (while another process tries to change the object), then reads the same pinned
   * root and bytes again and prints them.
   */
  private static void watchRoot(Path socket, ObjectId id) throws Exception {
    try (StoreClient c = StoreClient.connect(socket);
        BufferAllocator a = new RootAllocator();
        ArrowObject o = c.getRoot(id, a, Duration.ofSeconds(10));
        ObjectBuffer bytes = c.get(id, Duration.ofSeconds(10))) {
      System.out.println("BEFORE " + seen(o.root(), bytes));
      System.out.println("READY");
      String go = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
      System.out.println("AFTER " + seen(o.root(), bytes) + " (" + go + ")");
    }
  }

  private static String seen(VectorSchemaRoot root, ObjectBuffer bytes) {
    return StoreTestSupport.checksum(bytes.segment())
        + " "
        + root.contentToTSVString().replace("\n", "|").hashCode();
  }

  /** Writes into a root read from the store through Arrow's setters (Unsafe on the address). */
  private static void scribbleArrow(Path socket, ObjectId id) {
    try (StoreClient c = StoreClient.connect(socket);
        BufferAllocator a = new RootAllocator();
        ArrowObject o = c.getRoot(id, a, Duration.ofSeconds(10))) {
      org.apache.arrow.vector.BigIntVector ids =
          (org.apache.arrow.vector.BigIntVector) o.root().getVector("id");
      System.out.println("WRITING " + ids.get(1));
      System.out.flush();
      ids.getDataBuffer().setLong(8, -1L); // row 1
      System.out.println("WROTE " + ids.get(1));
    }
  }

  /**
   * Tries to write into an object's bytes through the API (refused with exceptions, printed), then
   * through a segment made from the raw address.
   */
  private static void scribbleRaw(Path socket, ObjectId id) {
    try (StoreClient c = StoreClient.connect(socket);
        ObjectBuffer b = c.get(id, Duration.ofSeconds(10))) {
      try {
        b.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
        System.out.println("SEGMENT-WRITE-ACCEPTED");
      } catch (RuntimeException e) {
        System.out.println("REFUSED-SEGMENT " + e.getClass().getName() + ": " + e.getMessage());
      }
      try {
        b.segment().asByteBuffer().put(0, (byte) 1);
        System.out.println("BUFFER-WRITE-ACCEPTED");
      } catch (RuntimeException e) {
        System.out.println("REFUSED-BUFFER " + e.getClass().getName());
      }
      MemorySegment raw = MemorySegment.ofAddress(b.segment().address()).reinterpret(b.size());
      System.out.println("WRITING raw");
      System.out.flush();
      raw.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b.size() / 2, (byte) 1);
      System.out.println("WROTE raw");
    }
  }
}
