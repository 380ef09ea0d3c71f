package dev.prism.benchmarks.scaling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How Prism scales with the size of the work, in three shapes: tasks/s and driver memory as the
 * number of queued tasks grows ({@link TaskScaling}), put/get latency and bandwidth as objects grow
 * ({@link ObjectScaling}), actor calls/s as the number of actors grows ({@link ActorScaling}).
 * Writes {@code prism-scaling.json} into the output directory (shapes not run this time are kept
 * from an earlier file there), then the PNG charts ({@link ScalingCharts}), with Ray's series too
 * where {@code benchmarks/peers/ray/scaling.py} left {@code ray-scaling.json} in the same
 * directory.
 *
 * <p>Run: {@code benchmarks/run scaling [tasks|objects|actors|all] [--out DIR] [--quick]
 * [--max-tasks N] [--max-object-mib N] [--max-actors N]}.
 */
public final class ScalingBenchmark {

  /** The file this benchmark writes into the output directory. */
  static final String PRISM_FILE = "prism-scaling.json";

  private ScalingBenchmark() {}

  /** What one run measures. */
  record Plan(
      List<String> shapes,
      Path out,
      boolean quick,
      List<Integer> tasks,
      List<Long> sizes,
      List<Integer> actors) {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code [tasks|objects|actors|all] [--out DIR] [--quick] [--max-tasks N]
   *     [--max-object-mib N] [--max-actors N]}
   * @throws Exception if a shape fails
   */
  public static void main(String[] args) throws Exception {
    Plan plan;
    try {
      plan = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("scaling: " + e.getMessage());
      System.err.println(
          "usage: benchmarks/run scaling [tasks|objects|actors|all] [--out DIR]"
              + " [--quick] [--max-tasks N] [--max-object-mib N] [--max-actors N]");
      System.exit(2);
      return;
    }
    Files.createDirectories(plan.out());
    Path file = plan.out().resolve(PRISM_FILE);
    Map<String, Object> doc = readExisting(file);
    doc.put("system", "prism");
    doc.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
    doc.put("quick", plan.quick());
    doc.put("cpus", Runtime.getRuntime().availableProcessors());
    for (String shape : plan.shapes()) {
      List<Map<String, Object>> rows =
          switch (shape) {
            case "tasks" -> TaskScaling.run(plan.tasks(), plan.quick() ? 2_000 : 20_000);
            case "objects" ->
                ObjectScaling.run(
                    plan.sizes(), plan.quick() ? 32L << 20 : 256L << 20, plan.quick() ? 50 : 200);
            case "actors" ->
                plan.quick()
                    ? ActorScaling.run(plan.actors(), 0.5, 2, 1.0)
                    : ActorScaling.run(plan.actors(), 2.0, 3, 2.0);
            default -> throw new IllegalStateException(shape);
          };
      doc.put(shape, rows);
      write(file, doc); // after each shape, so a later failure keeps what was measured
    }
    System.out.println("wrote " + file);
    for (Path png : ScalingCharts.render(plan.out())) {
      System.out.println("wrote " + png);
    }
  }

  static Plan parse(String[] args) {
    List<String> shapes = List.of("tasks", "objects", "actors");
    Path out = Path.of("benchmarks", "results", "scaling");
    boolean quick = false;
    long maxTasks = -1;
    long maxObjectMib = -1;
    long maxActors = -1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "tasks", "objects", "actors" -> shapes = List.of(a);
        case "all" -> shapes = List.of("tasks", "objects", "actors");
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--max-tasks" -> maxTasks = positive(value(args, ++i, a), a);
        case "--max-object-mib" -> maxObjectMib = positive(value(args, ++i, a), a);
        case "--max-actors" -> maxActors = positive(value(args, ++i, a), a);
        default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
      }
    }
    if (maxTasks < 0) {
      maxTasks = quick ? 10_000 : 1_000_000;
    }
    if (maxObjectMib < 0) {
      maxObjectMib = quick ? 16 : 1024;
    }
    if (maxObjectMib > 1024) {
      throw new IllegalArgumentException(
          "--max-object-mib " + maxObjectMib + " is above 1024 (a byte[] holds less than 2 GiB)");
    }
    if (maxActors < 0) {
      maxActors = quick ? 4 : 64;
    }
    List<Integer> tasks = new ArrayList<>();
    for (long n = 1_000; n <= maxTasks; n *= 10) {
      tasks.add((int) n);
    }
    List<Long> sizes = new ArrayList<>();
    for (long s = 1024; s <= maxObjectMib << 20; s *= 4) {
      sizes.add(s);
    }
    List<Integer> actors = new ArrayList<>();
    for (long n = 1; n <= maxActors; n *= 2) {
      actors.add((int) n);
    }
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "--max-tasks " + maxTasks + " is below 1000, the first" + " point");
    }
    return new Plan(shapes, out, quick, tasks, sizes, actors);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static long positive(String text, String flag) {
    try {
      long v = Long.parseLong(text);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(flag + " wants a positive whole number, got '" + text + "'");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readExisting(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new LinkedHashMap<>();
    }
    return new ObjectMapper().readValue(file.toFile(), LinkedHashMap.class);
  }

  private static void write(Path file, Map<String, Object> doc) throws IOException {
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
  }
}
