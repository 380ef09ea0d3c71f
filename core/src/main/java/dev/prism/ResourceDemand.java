package dev.prism;

import dev.prism.scheduler.InvalidResourceException;
import dev.prism.scheduler.ResourceSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The resource amounts a task or an actor asks for, validated as they are set. */
final class ResourceDemand {

  private final Map<String, Double> amounts = new LinkedHashMap<>();

  /** Sets one amount; 0 removes the demand. */
  void set(String resource, double amount) {
    if (Objects.requireNonNull(resource, "resource").isBlank()) {
      throw new IllegalArgumentException("a resource name is blank");
    }
    try {
      ResourceSet.of(resource, amount);
    } catch (InvalidResourceException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (amount == 0) {
      amounts.remove(resource);
    } else {
      amounts.put(resource, amount);
    }
  }

  void setAll(Map<String, Double> all) {
    Objects.requireNonNull(all, "amounts");
    all.forEach(
        (resource, amount) -> {
          if (resource == null) {
            throw new NullPointerException("amounts has a null resource name");
          }
          if (amount == null) {
            throw new NullPointerException(
                "amounts[" + resource + "] is null; give a number, or 0 to remove the demand");
          }
          set(resource, amount);
        });
  }

  /** The amounts set, each above 0 (a copy). */
  Map<String, Double> amounts() {
    return Map.copyOf(amounts);
  }
}
