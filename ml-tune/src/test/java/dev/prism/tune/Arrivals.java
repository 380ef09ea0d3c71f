package dev.prism.tune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Trials of a test meet here (files in a shared directory) so that they provably overlap. */
final class Arrivals {
  private Arrivals() {}

  /** Marks this trial as arrived and waits up to 60 s until {@code n} trials have. */
  static void arriveAndWait(TuneContext ctx, String place, int n) throws Exception {
    Path dir = ctx.trialDir().getParent().resolve(place);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(ctx.trialId()), "");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (count(dir) < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            ctx.trialId() + " waited 60 s for " + n + " trials to run at once at " + place);
      }
      Thread.sleep(20);
    }
  }

  private static long count(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }
}
