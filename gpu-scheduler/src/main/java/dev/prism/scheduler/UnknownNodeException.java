package dev.prism.scheduler;

/** Thrown when an operation names a node that is not (or no longer) part of the cluster view. */
public final class UnknownNodeException extends SchedulerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param node the node that was not found
   */
  public UnknownNodeException(NodeId node) {
    super(
        "node "
            + node
            + " is not in the cluster view; add it with addNode(...) first"
            + " or drop the stale id");
  }
}
