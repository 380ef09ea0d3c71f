package dev.prism.scheduler;

/** Well-known node label keys. */
public final class Labels {
  /**
   * The accelerator type of a node's GPUs (e.g. {@code "NVIDIA H100 80GB HBM3"}); set from the
   * first GPU's name when a node with GPUs does not set it itself.
   */
  public static final String ACCELERATOR_TYPE = "prism.io/accelerator-type";

  /** The node's id; every node carries it. */
  public static final String NODE_ID = "prism.io/node-id";

  private Labels() {}
}
