package dev.prism.tune.search;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Exhaustive search: every {@link Domain#grid grid} and {@link Domain#choice choice} entry is
 * enumerated as a cartesian product (the last one added varies fastest), each combination run
 * {@code numSamples} times (all combinations, then all again). Constants and computed entries are
 * resolved as usual; any other domain is refused, as it has no finite set of values.
 */
public final class GridSearch implements Searcher {
  private static final String TYPE = "grid";
  private Space space;
  private long seed;
  private long suggested;
  private long combinations;
  private List<String> names = List.of();
  private List<List<Object>> values = List.of();

  /** A grid search. */
  public GridSearch() {}

  @Override
  public void setup(Space space, String metric, Mode mode, long seed) {
    List<String> enumerated = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Space.Entry e : space.entries()) {
      if (e instanceof Space.Sampled s) {
        if (s.domain() instanceof Domain.Grid || s.domain() instanceof Domain.Choice) {
          enumerated.add(s.name());
        } else {
          refused.add(
              s.name()
                  + " ("
                  + s.domain().getClass().getSimpleName().toLowerCase(Locale.ROOT)
                  + ")");
        }
      }
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException(
          "GridSearch enumerates grid and choice parameters only; these have no finite set of"
              + " values: "
              + String.join(", ", refused));
    }
    this.space = space;
    this.seed = seed;
    this.suggested = 0;
    this.names = List.copyOf(enumerated);
    this.values = Space.valuesOf(names, space);
    long n = 1;
    for (List<Object> v : values) {
      n = Math.multiplyExact(n, v.size());
    }
    this.combinations = n;
  }

  /**
   * The number of combinations times {@code numSamples}.
   *
   * @param numSamples the sweep's number of samples
   * @return the number of trials
   */
  @Override
  public int trialCount(int numSamples) {
    SearchSupport.checkSetup(space, "GridSearch");
    return Math.toIntExact(Math.multiplyExact(combinations, numSamples));
  }

  @Override
  public Optional<Map<String, Object>> suggest(String trialId) {
    SearchSupport.checkSetup(space, "GridSearch");
    long i = suggested++;
    Map<String, Object> fixed = Space.product(names, values, i % combinations);
    return Optional.of(space.sample(SearchSupport.random(seed, i), fixed));
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error) {}

  @Override
  public JsonNode saveState() {
    return SearchSupport.counterState(TYPE, seed, suggested);
  }

  @Override
  public void restoreState(JsonNode state) {
    SearchSupport.checkState(state, TYPE);
    seed = state.path("seed").asLong();
    suggested = state.path("suggested").asLong();
  }
}
