package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import java.util.HexFormat;
import java.util.Optional;

/** Checks of actor creation specs, and how actors are named in messages and logs. */
final class ActorSpecs {

  /** The length of an actor id in bytes. */
  static final int ACTOR_ID_LENGTH = 16;

  private ActorSpecs() {}

  /** Returns the id in hex, for messages and logs. */
  static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  /** Returns "actor <hex>" or "actor 'name' (<hex>)". */
  static String describe(ActorCreationSpec spec) {
    return spec.getName().isEmpty()
        ? "actor " + hex(spec.getActorId())
        : "actor '" + spec.getName() + "' (" + hex(spec.getActorId()) + ")";
  }

  /** The key of a name in the name index. */
  static String nameKey(String namespace, String name) {
    return namespace + '\u0000' + name;
  }

  /**
   * Returns why a spec cannot be registered (an INVALID_ARGUMENT description), or empty when it is
   * well formed.
   */
  static Optional<String> problem(ActorCreationSpec spec) {
    int idLength = spec.getActorId().size();
    if (idLength != ACTOR_ID_LENGTH) {
      return Optional.of(
          "actor_id has "
              + idLength
              + " bytes; an actor id must be exactly "
              + ACTOR_ID_LENGTH
              + " bytes (generate a random one per actor)");
    }
    String who = describe(spec);
    if (!spec.hasFunction() || spec.getFunction().getClassName().isEmpty()) {
      return Optional.of(
          who
              + " has no function; set spec.function to the constructor or static"
              + " factory that creates the instance");
    }
    if (!spec.hasOwner() || spec.getOwner().getWorkerId().isEmpty()) {
      return Optional.of(
          who
              + " has no owner; set spec.owner to the creating core worker's"
              + " address (with its worker_id)");
    }
    if (spec.getMaxConcurrency() < 1) {
      return Optional.of(
          who
              + " has max_concurrency "
              + spec.getMaxConcurrency()
              + "; it must be at least 1 (1 runs one call at a time)");
    }
    java.util.Set<String> groups = new java.util.HashSet<>();
    for (var group : spec.getConcurrencyGroupsList()) {
      if (group.getName().isBlank() || group.getName().equals(dev.prism.ConcurrencyGroup.DEFAULT)) {
        return Optional.of(
            who
                + " has a concurrency group named \""
                + group.getName()
                + "\"; name each group, and not \"default\" (the default group's limit is"
                + " max_concurrency)");
      }
      if (!groups.add(group.getName())) {
        return Optional.of(
            who + " declares concurrency group \"" + group.getName() + "\" twice; declare it once");
      }
      if (group.getMaxConcurrency() < 1) {
        return Optional.of(
            who
                + " has concurrency group \""
                + group.getName()
                + "\" with max_concurrency "
                + group.getMaxConcurrency()
                + "; it must be at least 1");
      }
    }
    if (spec.getMaxRestarts() < -1) {
      return Optional.of(
          who
              + " has max_restarts "
              + spec.getMaxRestarts()
              + "; give -1 (without limit), 0 (never restart) or a positive count");
    }
    if (spec.getMaxTaskRetries() < -1) {
      return Optional.of(
          who
              + " has max_task_retries "
              + spec.getMaxTaskRetries()
              + "; give -1 (without limit), 0 or a positive count");
    }
    if (spec.getMaxPendingCalls() < -1) {
      return Optional.of(
          who
              + " has max_pending_calls "
              + spec.getMaxPendingCalls()
              + "; give -1 (without limit) or a positive count");
    }
    return Optional.empty();
  }

  /** Whether the spec leaves room for one more restart after {@code numRestarts}. */
  static boolean canRestart(ActorCreationSpec spec, int numRestarts) {
    return spec.getMaxRestarts() == -1 || numRestarts < spec.getMaxRestarts();
  }
}
