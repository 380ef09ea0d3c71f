package dev.prism;

import dev.prism.runtime.spi.Runtimes;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's key-value store, kept by the GCS (Ray's internal KV): small values that outlive the
 * process that wrote them, such as a library controller's checkpoint. Keys live in the caller's
 * namespace (that of the task or actor call it runs in, else the driver's). Each call is one
 * request to the GCS, bounded by the control timeout.
 */
public final class KeyValueStore {

  /** The largest value {@link #put} accepts: 8 MiB. */
  public static final int MAX_VALUE_BYTES = 8 << 20;

  private KeyValueStore() {}

  /**
   * Stores a value, replacing any value the key had.
   *
   * @param key the key, not blank
   * @param value the value, at most {@link #MAX_VALUE_BYTES}
   * @throws IllegalArgumentException for a blank key or a value that is too large
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static void put(String key, byte[] value) {
    Objects.requireNonNull(value, "value");
    if (value.length > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "the value for "
              + checkKey(key)
              + " has "
              + value.length
              + " bytes; at most "
              + MAX_VALUE_BYTES
              + " fit");
    }
    Runtimes.get().kvPut(checkKey(key), value);
  }

  /**
   * Reads a value.
   *
   * @param key the key
   * @return the value, or empty when the key has none
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static Optional<byte[]> get(String key) {
    return Runtimes.get().kvGet(checkKey(key));
  }

  /**
   * Deletes a key.
   *
   * @param key the key
   * @return whether it had a value
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static boolean delete(String key) {
    return Runtimes.get().kvDelete(checkKey(key));
  }

  /**
   * Lists the keys that start with a prefix.
   *
   * @param prefix the prefix; empty for all keys of the namespace
   * @return the keys, sorted
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static List<String> keys(String prefix) {
    return Runtimes.get().kvKeys(Objects.requireNonNull(prefix, "prefix"));
  }

  private static String checkKey(String key) {
    if (Objects.requireNonNull(key, "key").isBlank()) {
      throw new IllegalArgumentException("the key is blank");
    }
    return key;
  }
}
