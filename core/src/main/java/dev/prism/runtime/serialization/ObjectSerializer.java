package dev.prism.runtime.serialization;

import dev.prism.PrismSerializationException;
import java.util.function.Function;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.Serializer;

/**
 * Serializes Java values for the wire and the object store with Apache Fory (Java native mode,
 * reference tracking on, so shared and cyclic graphs round-trip). Thread-safe; one instance per
 * process is enough. Failures become {@link PrismSerializationException}s that name the type.
 *
 * <p>Security: any class may be (de)serialized (no registration), so bytes must come only from
 * processes of the cluster: every endpoint that hands bytes to this serializer sits behind the
 * cluster token ({@code dev.prism.runtime.security.TokenAuth}), checked before any message is
 * handled. Fory's own deny list of known deserialization gadgets (e.g. {@code
 * java.beans.EventHandler}, {@code ProcessBuilder}) stays on as a second line.
 */
public final class ObjectSerializer {

  private final ThreadSafeFory fory;

  /**
   * Creates a serializer that loads classes through the given loader.
   *
   * @param loader the class loader that sees the user's classes
   */
  public ObjectSerializer(ClassLoader loader) {
    this.fory =
        Fory.builder()
            .withLanguage(Language.JAVA)
            .withRefTracking(true)
            // Every process of a cluster runs the same classes. The compatible mode would also let
            // a
            // reader replace a registered custom serializer with a generated codec once it has seen
            // the type's metadata from a peer, which breaks object refs crossing processes.
            .withCompatibleMode(CompatibleMode.SCHEMA_CONSISTENT)
            .requireClassRegistration(false)
            .suppressClassRegistrationWarnings(true)
            .withClassLoader(loader)
            .buildThreadSafeForyPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 2));
  }

  /**
   * Registers a custom serializer for a type (e.g. how object refs travel).
   *
   * @param type the type
   * @param factory makes the serializer for each pooled Fory instance
   */
  public void registerSerializer(Class<?> type, Function<TypeResolver, Serializer<?>> factory) {
    fory.registerSerializer(type, factory);
  }

  /**
   * Serializes a value.
   *
   * @param value the value, may be null
   * @return its bytes
   * @throws PrismSerializationException naming the value's type if it cannot be serialized
   */
  public byte[] serialize(Object value) {
    try {
      return fory.serialize(value);
    } catch (RuntimeException | StackOverflowError e) {
      throw new PrismSerializationException(
          "cannot serialize a value of type "
              + typeName(value)
              + ": "
              + rootMessage(e)
              + ". Pass plain data (records, collections,"
              + " arrays, Arrow data) rather than threads, sockets, streams or open resources",
          e);
    }
  }

  /**
   * Deserializes bytes made by {@link #serialize(Object)}.
   *
   * @param bytes the bytes
   * @return the value
   * @throws PrismSerializationException if the bytes are not a value this serializer made, or a
   *     class is missing on this side
   */
  public Object deserialize(byte[] bytes) {
    try {
      return fory.deserialize(bytes);
    } catch (RuntimeException | StackOverflowError e) {
      throw new PrismSerializationException(
          "cannot deserialize a value of "
              + bytes.length
              + " bytes: "
              + rootMessage(e)
              + ". Is the class on this process's classpath?",
          e);
    }
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : " (" + root.getMessage() + ")");
  }
}
