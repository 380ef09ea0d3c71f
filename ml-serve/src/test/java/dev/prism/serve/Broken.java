package dev.prism.serve;

/** A deployment whose constructor always fails. */
public class Broken {

  /**
   * Fails.
   *
   * @param why the message
   */
  public Broken(String why) {
    throw new IllegalStateException(why);
  }
}
