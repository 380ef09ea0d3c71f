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

  /** The prefix of the labels Prism sets itself; users' node labels may not start with it. */
  public static final String RESERVED_PREFIX = "prism.io/";

  private Labels() {}

  /**
   * Checks labels a user gives a node: keys not blank, without whitespace and not under {@link
   * #RESERVED_PREFIX}; values not null.
   *
   * @param labels the labels
   * @throws InvalidResourceException naming the bad key and what to do
   * @throws NullPointerException if the map, a key or a value is null
   */
  public static void checkUserLabels(java.util.Map<String, String> labels) {
    java.util.Objects.requireNonNull(labels, "labels");
    labels.forEach(
        (k, v) -> {
          java.util.Objects.requireNonNull(k, "a node label key is null");
          java.util.Objects.requireNonNull(v, "node label '" + k + "' has a null value");
          if (k.isBlank() || k.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidResourceException(
                "node label key '" + k + "' is blank or holds whitespace; give a name like region");
          }
          if (v.isBlank()
              || !v.equals(v.strip())
              || v.startsWith("!")
              || v.chars().anyMatch(c -> c == '(' || c == ')' || c == ',')) {
            throw new InvalidResourceException(
                "node label "
                    + k
                    + "='"
                    + v
                    + "' cannot be matched by a label selector: give a value that is not blank,"
                    + " has no spaces around it, does not start with '!' and holds no '(', ')' or"
                    + " ','");
          }
          if (k.startsWith(RESERVED_PREFIX)) {
            throw new InvalidResourceException(
                "node label '"
                    + k
                    + "' uses the reserved prefix "
                    + RESERVED_PREFIX
                    + " (Prism sets "
                    + NODE_ID
                    + " and "
                    + ACCELERATOR_TYPE
                    + " itself); choose another key");
          }
        });
  }
}
