package dev.prism.serve.internal;

import dev.prism.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The controller's checkpoint in the GCS key-value store: applications, targets, replicas. */
final class Checkpoints {

  /** The key. */
  static final String KEY = "serve/controller-checkpoint";

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  /**
   * What is saved.
   *
   * @param apps the applications
   * @param deployments per deployment key: target, deleting, replicas
   */
  record State(List<AppSpec> apps, Map<String, Saved> deployments) {}

  /**
   * One deployment's saved state.
   *
   * @param spec its spec
   * @param target its replica target
   * @param deleting whether it is being deleted
   * @param replicas its replicas (id, actor name, version)
   */
  record Saved(DeploymentSpec spec, int target, boolean deleting, List<List<String>> replicas) {}

  void save(Map<String, AppSpec> apps, Map<String, DeploymentState> deployments) {
    Map<String, Saved> ds = new LinkedHashMap<>();
    deployments.forEach(
        (k, d) -> {
          List<List<String>> rs = new ArrayList<>();
          for (ReplicaState r : d.replicas) {
            if (r.phase != ReplicaState.Phase.STOPPING) {
              rs.add(List.of(r.id, r.actorName, r.version));
            }
          }
          ds.put(k, new Saved(d.spec, d.target, d.deleting, rs));
        });
    try {
      KeyValueStore.put(
          KEY,
          Json.text(new State(List.copyOf(apps.values()), ds)).getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("could not save the serve controller's checkpoint: {}", e.toString());
    }
  }

  Optional<State> load() {
    try {
      return KeyValueStore.get(KEY)
          .map(b -> Json.read(new String(b, StandardCharsets.UTF_8), State.class));
    } catch (RuntimeException e) {
      LOG.warn(
          "could not read the serve controller's checkpoint; starting empty: {}", e.toString());
      return Optional.empty();
    }
  }

  void clear() {
    try {
      KeyValueStore.delete(KEY);
    } catch (RuntimeException e) {
      LOG.debug("could not delete the checkpoint: {}", e.toString());
    }
  }
}
