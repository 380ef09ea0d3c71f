package dev.prism.runtime.logging;

/**
 * Chooses {@link FallbackServiceProvider} for this process when its class path has no SLF4J
 * provider and none is named: SLF4J then neither warns that it found none nor drops Prism's
 * warnings. Call it first thing in a process's {@code main}, before any logger is made.
 */
public final class FallbackLogging {

  /** SLF4J's system property that names a provider class explicitly (SLF4J 2.0.9 and later). */
  public static final String PROVIDER_PROPERTY = "slf4j.provider";

  /** SLF4J's system property for the level of its own messages (SLF4J 2.0.10 and later). */
  public static final String VERBOSITY_PROPERTY = "slf4j.internal.verbosity";

  private static final String SERVICE = "META-INF/services/org.slf4j.spi.SLF4JServiceProvider";

  private FallbackLogging() {}

  /**
   * Names the fallback provider unless the class path has a provider or one is named already.
   *
   * @return whether the fallback was chosen
   */
  public static boolean installIfNoProvider() {
    return installIfNoProvider(FallbackLogging.class.getClassLoader());
  }

  /** As {@link #installIfNoProvider()}, looking for providers through {@code loader}. */
  static boolean installIfNoProvider(ClassLoader loader) {
    if (System.getProperty(PROVIDER_PROPERTY) != null || loader.getResource(SERVICE) != null) {
      return false;
    }
    System.setProperty(PROVIDER_PROPERTY, FallbackServiceProvider.class.getName());
    if (System.getProperty(VERBOSITY_PROPERTY) == null) {
      // Else SLF4J says, at level INFO, that it loads a provider named by the property.
      System.setProperty(VERBOSITY_PROPERTY, "WARN");
    }
    return true;
  }
}
