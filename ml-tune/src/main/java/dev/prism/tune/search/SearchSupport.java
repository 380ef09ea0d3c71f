package dev.prism.tune.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** What the searchers share: per-suggestion random sources, points to evaluate, state checks. */
final class SearchSupport {
  static final ObjectMapper JSON = new ObjectMapper();

  private SearchSupport() {}

  /**
   * The random source of suggestion {@code index}: a function of the seed and the index only, so a
   * restored searcher draws what the original would have.
   */
  static Random random(long seed, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return new Random(z ^ (z >>> 31));
  }

  /** Copies the points and checks that they name only parameters of the space. */
  static List<Map<String, Object>> checkPoints(List<Map<String, Object>> points, Space space) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      Map<String, Object> p = points.get(i);
      for (String k : p.keySet()) {
        if (!space.names().contains(k)) {
          throw new IllegalArgumentException(
              "point to evaluate #" + i + " sets '" + k + "', not a parameter of the space");
        }
      }
      out.add(new LinkedHashMap<>(p));
    }
    return out;
  }

  /** Fails unless {@code state} is an object saved by the searcher of that type. */
  static void checkState(JsonNode state, String type) {
    if (state == null || !state.isObject() || !type.equals(state.path("type").asText())) {
      throw new IllegalArgumentException("not a saved " + type + " searcher state: " + state);
    }
  }

  /** Fails unless setup ran. */
  static void checkSetup(Space space, String searcher) {
    if (space == null) {
      throw new IllegalStateException(searcher + ": setup was not called");
    }
  }

  /** The state every searcher saves: its type, seed and number of suggestions so far. */
  static ObjectNode counterState(String type, long seed, long suggested) {
    ObjectNode s = JSON.createObjectNode();
    s.put("type", type);
    s.put("seed", seed);
    s.put("suggested", suggested);
    return s;
  }
}
