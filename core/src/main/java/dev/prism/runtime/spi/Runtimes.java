package dev.prism.runtime.spi;

import dev.prism.runtime.driver.CoreRuntime;

/** Where the public API gets the runtime: the one place that names its implementation. */
public final class Runtimes {

  private Runtimes() {}

  /**
   * The runtime of this process: the one {@code Prism.init} starts, and the one a worker process
   * runs tasks in.
   *
   * @return the runtime (initialized or not)
   */
  public static PrismRuntime get() {
    return CoreRuntime.INSTANCE;
  }
}
