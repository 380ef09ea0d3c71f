package dev.prism.benchmarks.scaling;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Memory readings of this process and small statistics the scaling benchmarks share. */
final class Measure {

  private static final double MIB = 1024.0 * 1024.0;

  private Measure() {}

  /**
   * The heap in use right after a full collection (what the live data takes).
   *
   * @return MiB
   */
  static double heapUsedAfterGcMib() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / MIB;
  }

  /**
   * This process's resident set size ({@code VmRSS} of {@code /proc/self/status}).
   *
   * @return MiB, or -1 where {@code /proc} is not there
   */
  static double rssMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /**
   * The median of some durations.
   *
   * @param nanos the durations (sorted in place)
   * @return the median, in nanoseconds
   */
  static double median(long[] nanos) {
    Arrays.sort(nanos);
    int n = nanos.length;
    return n % 2 == 1 ? nanos[n / 2] : (nanos[n / 2 - 1] + nanos[n / 2]) / 2.0;
  }

  /**
   * Mean and population standard deviation.
   *
   * @param values the values
   * @return {mean, std}
   */
  static double[] meanStd(double[] values) {
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= values.length;
    double var = 0;
    for (double v : values) {
      var += (v - mean) * (v - mean);
    }
    return new double[] {mean, Math.sqrt(var / values.length)};
  }
}
