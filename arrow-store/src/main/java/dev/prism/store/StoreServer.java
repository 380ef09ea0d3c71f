package dev.prism.store;

import dev.prism.store.internal.PrivateFiles;
import dev.prism.store.internal.SharedMemory;
import dev.prism.store.internal.SocketServer;
import dev.prism.store.internal.Spiller;
import dev.prism.store.internal.StoreCore;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's object store server: owns the shared-memory file ({@code
 * <shmDirectory>/prism-<pid>-<random>.store}), the object table, the allocator and the spill
 * directory, and serves {@link StoreClient}s over a Unix domain socket. Usable standalone or
 * embedded (the node manager embeds it).
 *
 * <pre>{@code
 * try (StoreServer server = StoreServer.start(StoreConfig.builder().capacity(1L << 30).build());
 *      StoreClient client = StoreClient.connect(server.socketPath())) {
 *   client.putBytes(id, bytes, metadata);
 * }
 * }</pre>
 *
 * <p>Closing the server disconnects every client and removes the shared-memory file, the socket
 * file and every spill file.
 */
public final class StoreServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StoreServer.class);

  private final String name;
  private final StoreCore core;
  private final SocketServer socket;
  private final StoreConfig config;
  private volatile boolean closed;

  private StoreServer(String name, StoreCore core, SocketServer socket, StoreConfig config) {
    this.name = name;
    this.core = core;
    this.socket = socket;
    this.config = config;
  }

  /**
   * Creates the shared-memory file (sparse), the spill directory and the socket, and starts
   * serving.
   *
   * @param config the configuration
   * @return the running server
   * @throws StoreException if a file or the socket cannot be created
   */
  public static StoreServer start(StoreConfig config) {
    String name =
        "prism-"
            + ProcessHandle.current().pid()
            + "-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    SharedMemory memory =
        SharedMemory.create(config.shmDirectory().resolve(name + ".store"), config.capacity());
    StoreCore core;
    try {
      core = new StoreCore(memory, new Spiller(config.spillDirectory().resolve(name + ".spill")));
    } catch (RuntimeException e) {
      memory.close();
      throw e;
    }
    try {
      SocketServer socket =
          new SocketServer(
              PrivateFiles.socketDirectory(config.socketDirectory()).resolve(name + ".sock"),
              core,
              config.defaultTimeout().toNanos());
      LOG.debug("store {} started: {} bytes at {}", name, config.capacity(), memory.path());
      return new StoreServer(name, core, socket, config);
    } catch (RuntimeException e) {
      core.close();
      throw e;
    }
  }

  /**
   * Returns the socket that clients connect to.
   *
   * @return the socket path
   */
  public Path socketPath() {
    return socket.socketPath();
  }

  /**
   * Returns the shared-memory file.
   *
   * @return its path
   */
  public Path shmPath() {
    return core.memory().path();
  }

  /**
   * Returns the store's unique name ({@code prism-<pid>-<random>}).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public StoreConfig config() {
    return config;
  }

  /**
   * Returns the counters.
   *
   * @return the stats
   */
  public StoreStats stats() {
    return core.stats();
  }

  /**
   * Returns a snapshot of the object table.
   *
   * @return one entry per object
   */
  public List<ObjectInfo> list() {
    return core.list();
  }

  /**
   * Returns whether a sealed object with this id is in the store (in memory or spilled).
   *
   * @param id the id
   * @return true if present and sealed
   */
  public boolean contains(ObjectId id) {
    return core.contains(id);
  }

  /**
   * Deletes a sealed object (its memory is freed when the last pin is released).
   *
   * @param id the id
   * @throws ObjectNotFoundException if there is no such object
   * @throws ObjectNotSealedException if it is still being created
   */
  public void delete(ObjectId id) {
    core.delete(id);
  }

  /**
   * Connects a client to this server (from this JVM).
   *
   * @return a new client; close it when done
   */
  public StoreClient connect() {
    return StoreClient.connect(socketPath());
  }

  /**
   * Stops serving, disconnects every client, and removes the shared-memory, socket and spill files.
   * Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    core.shutdown();
    try {
      socket.close();
    } finally {
      core.close();
    }
    LOG.debug("store {} closed", name);
  }
}
