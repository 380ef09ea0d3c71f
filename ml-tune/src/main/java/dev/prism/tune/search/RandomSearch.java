package dev.prism.tune.search;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Random search with grid expansion, as Ray Tune's {@code BasicVariantGenerator}: the {@link
 * Domain#grid grid} entries are expanded as a cartesian product and every grid point is run {@code
 * numSamples} times (sample-major: all grid points of the first repetition, then of the second);
 * every other domain is sampled anew for each trial. The points to evaluate, if any, are suggested
 * first (each on the grid point its position falls on; the parameters they leave out are drawn) and
 * count towards the trials. Suggestion {@code i} depends only on the seed and {@code i}.
 */
public final class RandomSearch implements Searcher {
  private static final String TYPE = "random";
  private final List<Map<String, Object>> pointsToEvaluate;
  private Space space;
  private long seed;
  private long suggested;
  private List<String> gridNames = List.of();
  private List<List<Object>> gridValues = List.of();

  /** A random search without points to evaluate. */
  public RandomSearch() {
    this(List.of());
  }

  /**
   * A random search that suggests the given (partial) configurations first.
   *
   * @param pointsToEvaluate configurations to run first, in order
   */
  public RandomSearch(List<Map<String, Object>> pointsToEvaluate) {
    this.pointsToEvaluate = new ArrayList<>();
    for (Map<String, Object> p : pointsToEvaluate) {
      this.pointsToEvaluate.add(new LinkedHashMap<>(p));
    }
  }

  @Override
  public void setup(Space space, String metric, Mode mode, long seed) {
    List<Map<String, Object>> checked = SearchSupport.checkPoints(pointsToEvaluate, space);
    pointsToEvaluate.clear();
    pointsToEvaluate.addAll(checked);
    this.space = space;
    this.seed = seed;
    this.suggested = 0;
    List<String> names = new ArrayList<>();
    for (Space.Entry e : space.entries()) {
      if (e instanceof Space.Sampled(String n, Domain.Grid g)) {
        names.add(n);
      }
    }
    gridNames = List.copyOf(names);
    gridValues = Space.valuesOf(gridNames, space);
  }

  /**
   * The grid size times {@code numSamples}, and at least the number of points to evaluate.
   *
   * @param numSamples the sweep's number of samples
   * @return the number of trials
   */
  @Override
  public int trialCount(int numSamples) {
    SearchSupport.checkSetup(space, "RandomSearch");
    return Math.max(Math.multiplyExact(space.gridSize(), numSamples), pointsToEvaluate.size());
  }

  @Override
  public Optional<Map<String, Object>> suggest(String trialId) {
    SearchSupport.checkSetup(space, "RandomSearch");
    long i = suggested++;
    Map<String, Object> fixed = Space.product(gridNames, gridValues, i % space.gridSize());
    if (i < pointsToEvaluate.size()) {
      fixed.putAll(pointsToEvaluate.get((int) i));
    }
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
