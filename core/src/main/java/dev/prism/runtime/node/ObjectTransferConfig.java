package dev.prism.runtime.node;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * How a node moves objects to other nodes: a field of {@link NodeConfig} ({@link
 * NodeConfig.Builder#objectTransfer}), so that a cluster, or one test, can set it without changing
 * global state. The defaults come from system properties read once, when a {@link NodeConfig}
 * builder is made ({@link #fromSystemProperties()}); docs/CONFIGURATION.md lists them.
 *
 * @param chunkBytes bytes per chunk that pulls over the {@code Pull} RPC ask for (64 KiB to 64 MiB;
 *     {@code prism.objectChunkBytes}, default 4 MiB)
 * @param dataChannel whether the node serves objects on a TCP data port; false leaves pulls on the
 *     streamed {@code Pull} RPC, which is slower ({@code prism.objectDataChannel}, default true)
 * @param dataIoBytes the largest piece of an object written or read on a data connection in one
 *     system call (64 KiB to 1 GiB; {@code prism.objectDataIoBytes}, default 4 MiB: on loopback 4
 *     MiB did a little better than 16 MiB or 1 GiB, the sender and the receiver overlap more)
 * @param socketBuffer the socket buffer size of data connections, 0 to leave it to the OS, which
 *     tunes it to the connection on Linux ({@code prism.objectDataSocketBuffer}, default 0)
 * @param idleTimeout how long a data connection may go without moving a byte before it is cut
 *     ({@code prism.objectDataIdleTimeoutMs}, default 30 s)
 */
public record ObjectTransferConfig(
    int chunkBytes, boolean dataChannel, long dataIoBytes, int socketBuffer, Duration idleTimeout) {

  /** The smallest {@link #chunkBytes}. */
  public static final int MIN_CHUNK_BYTES = 64 << 10;

  /** The largest {@link #chunkBytes}, and the largest chunk a puller may ask a source for. */
  public static final int MAX_CHUNK_BYTES = 64 << 20;

  /** The smallest {@link #dataIoBytes}. */
  public static final long MIN_DATA_IO_BYTES = 64L << 10;

  /** The largest {@link #dataIoBytes}. */
  public static final long MAX_DATA_IO_BYTES = 1L << 30;

  /** The settings without any system property: 4 MiB chunks and I/O, the data port, 30 s. */
  public static final ObjectTransferConfig DEFAULTS =
      new ObjectTransferConfig(4 << 20, true, 4L << 20, 0, Duration.ofSeconds(30));

  /**
   * Validates the settings.
   *
   * @throws NodeManagerException if a value is out of range, naming it and the range
   */
  public ObjectTransferConfig {
    if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
      throw new NodeManagerException(
          "object chunkBytes "
              + chunkBytes
              + " is out of range; give "
              + MIN_CHUNK_BYTES
              + ".."
              + MAX_CHUNK_BYTES);
    }
    if (dataIoBytes < MIN_DATA_IO_BYTES || dataIoBytes > MAX_DATA_IO_BYTES) {
      throw new NodeManagerException(
          "object dataIoBytes "
              + dataIoBytes
              + " is out of range; give "
              + MIN_DATA_IO_BYTES
              + ".."
              + MAX_DATA_IO_BYTES);
    }
    if (socketBuffer < 0) {
      throw new NodeManagerException(
          "object socketBuffer " + socketBuffer + " is negative; give 0 (the OS decides) or more");
    }
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new NodeManagerException("object idleTimeout " + idleTimeout + " must be positive");
    }
  }

  /**
   * The settings from this JVM's system properties, {@link #DEFAULTS} where one is unset (sizes out
   * of range are clamped into it, as before they were typed).
   *
   * @return the settings
   */
  public static ObjectTransferConfig fromSystemProperties() {
    return from(System.getProperties());
  }

  /**
   * The settings from properties named like the system properties.
   *
   * @param p the properties
   * @return the settings
   * @throws NodeManagerException if a number is malformed, naming the property
   */
  static ObjectTransferConfig from(Properties p) {
    String channel = p.getProperty("prism.objectDataChannel");
    return new ObjectTransferConfig(
        (int)
            Math.clamp(
                number(p, "prism.objectChunkBytes", DEFAULTS.chunkBytes()),
                MIN_CHUNK_BYTES,
                MAX_CHUNK_BYTES),
        channel == null ? DEFAULTS.dataChannel() : Boolean.parseBoolean(channel.trim()),
        Math.clamp(
            number(p, "prism.objectDataIoBytes", DEFAULTS.dataIoBytes()),
            MIN_DATA_IO_BYTES,
            MAX_DATA_IO_BYTES),
        Math.toIntExact(number(p, "prism.objectDataSocketBuffer", DEFAULTS.socketBuffer())),
        Duration.ofMillis(
            number(p, "prism.objectDataIdleTimeoutMs", DEFAULTS.idleTimeout().toMillis())));
  }

  private static long number(Properties p, String name, long otherwise) {
    String v = p.getProperty(name);
    if (v == null) {
      return otherwise;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new NodeManagerException(
          "the system property "
              + name
              + " is '"
              + v
              + "', not a whole number; give e.g. "
              + otherwise);
    }
  }
}
