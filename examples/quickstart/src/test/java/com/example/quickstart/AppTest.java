package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prism.Prism;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Your project's tests can run Prism code on an embedded cluster, started once per class. */
class AppTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    Prism.init();
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  @Test
  void tasksRunInParallelAndTheirPartsAddUp() {
    long expected = 0;
    for (long i = 0; i < 1000; i++) {
      expected += i * i;
    }
    assertEquals(expected, App.parallelSumOfSquares(1000, TIMEOUT));
  }

  @Test
  void aStoredArrayReachesATaskByReference() {
    assertEquals(2.5, App.meanInTask(new double[] {1, 2, 3, 4}, TIMEOUT), 1e-9);
  }

  @Test
  void anActorKeepsItsStateBetweenCalls() {
    assertEquals(55, App.countInActor(10, TIMEOUT));
  }
}
