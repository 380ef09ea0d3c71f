package dev.prism.runtime.cli;

import dev.prism.runtime.state.StateKind;
import dev.prism.runtime.state.StateQuery;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value types of the command line's options, as picocli converters. A converter that refuses a
 * value throws {@link TypeConversionException} with what is wrong after the option's name (the
 * message reads {@code --port '70000' is not a whole number from 0 to 65535}), or a {@link
 * CliException} that says it all ({@code --address}, {@code --resources}).
 */
final class OptionTypes {

  private OptionTypes() {}

  /** A whole number from {@code min} to {@code max}. */
  static class WholeNumber implements ITypeConverter<Integer> {
    private final int min;
    private final int max;

    WholeNumber(int min, int max) {
      this.min = min;
      this.max = max;
    }

    @Override
    public Integer convert(String value) {
      try {
        int n = Integer.parseInt(value.trim());
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException(
          "'" + value + "' is not a whole number from " + min + " to " + max);
    }
  }

  /** A TCP port, 0 for any free one. */
  static final class Port extends WholeNumber {
    Port() {
      super(0, 65535);
    }
  }

  /** A number of CPUs. */
  static final class Cpus extends WholeNumber {
    Cpus() {
      super(0, 1 << 20);
    }
  }

  /** A number of logical GPUs. */
  static final class Gpus extends WholeNumber {
    Gpus() {
      super(0, 1024);
    }
  }

  /** A count of rows or lines, 0 for all. */
  static final class Count extends WholeNumber {
    Count() {
      super(0, Integer.MAX_VALUE);
    }
  }

  /** Milliseconds up to an hour. */
  static final class Millis extends WholeNumber {
    Millis() {
      super(0, 3_600_000);
    }
  }

  /** Seconds from 1 to an hour. */
  static final class Timeout implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Duration.ofSeconds(new WholeNumber(1, 3600).convert(value));
    }
  }

  /** Seconds from 0 to an hour. */
  static final class Grace implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Duration.ofSeconds(new WholeNumber(0, 3600).convert(value));
    }
  }

  /**
   * A byte size of at least 1 MiB: digits with an optional k, m, g or t suffix (powers of 1024).
   */
  static final class Bytes implements ITypeConverter<Long> {
    private static final Pattern BYTES =
        Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
      Matcher m = BYTES.matcher(value.trim());
      if (m.matches()) {
        try {
          long n = Long.parseLong(m.group(1));
          int shift =
              switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 0;
              };
          if (n <= (Long.MAX_VALUE >> shift) && (n << shift) >= (1L << 20)) {
            return n << shift;
          }
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a size of at least 1 MiB; give bytes, or a number with k, m or g, e.g."
              + " 2g");
    }
  }

  /** The address of the cluster's head, {@code HOST:PORT}. */
  static final class Address implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return StartOptions.checkAddress(value);
    }
  }

  /** An IP address of this machine to bind and advertise. */
  static final class Host implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String h = value.trim();
      if (h.isEmpty() || h.contains(" ") || h.contains(":") && !h.startsWith("[")) {
        throw new TypeConversionException(
            "'"
                + value
                + "' is not an address; give an IP of this machine, e.g. 127.0.0.1 or"
                + " 10.0.0.5");
      }
      if (h.equals("0.0.0.0") || h.equals("[::]")) {
        throw new TypeConversionException(
            h
                + " is the wildcard address, which other processes cannot connect to; give this"
                + " machine's IP on the network the nodes share");
      }
      return h;
    }
  }

  /** A path, made absolute against the working directory. */
  static final class AbsolutePath implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      return Path.of(value).toAbsolutePath();
    }
  }

  /** Custom resources as a JSON object of amounts. */
  static final class Resources implements ITypeConverter<Map<String, Double>> {
    @Override
    public Map<String, Double> convert(String value) {
      return ResourcesJson.parse(value);
    }
  }

  /**
   * Reads node labels, Ray's {@code --labels} form: {@code key=value} pairs separated by commas
   * ({@code region=us-west,zone=a}); keys may not start with {@code prism.io/}.
   */
  static final class Labels implements ITypeConverter<Map<String, String>> {
    @Override
    public Map<String, String> convert(String value) {
      Map<String, String> out = new java.util.LinkedHashMap<>();
      for (String pair : value.split(",", -1)) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new TypeConversionException(
              "'"
                  + pair.strip()
                  + "' in '"
                  + value
                  + "' is not KEY=VALUE; give labels as key=value pairs separated by commas,"
                  + " e.g. region=us-west,zone=a");
        }
        String key = pair.substring(0, eq).strip();
        String v = pair.substring(eq + 1).strip();
        if (v.isEmpty()) {
          throw new TypeConversionException(
              "label '" + key + "' in '" + value + "' has an empty value; give key=value");
        }
        out.put(key, v);
      }
      try {
        dev.prism.scheduler.Labels.checkUserLabels(out);
      } catch (dev.prism.scheduler.InvalidResourceException e) {
        throw new TypeConversionException(e.getMessage());
      }
      return out;
    }
  }

  /** How results are printed: {@code table} or {@code json}, in any case. */
  enum Format {
    /** An aligned table. */
    TABLE,
    /** JSON. */
    JSON
  }

  /** Reads a {@link Format}. */
  static final class FormatType implements ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      String f = value.trim().toLowerCase(Locale.ROOT);
      return switch (f) {
        case "table" -> Format.TABLE;
        case "json" -> Format.JSON;
        default -> throw new TypeConversionException("'" + f + "' is not table or json");
      };
    }
  }

  /**
   * An environment variable for a job.
   *
   * @param name its name
   * @param value its value
   */
  record EnvVar(String name, String value) {}

  /** Reads an {@link EnvVar} from {@code NAME=VALUE}. */
  static final class EnvVarType implements ITypeConverter<EnvVar> {
    @Override
    public EnvVar convert(String value) {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new TypeConversionException("'" + value + "' is not NAME=VALUE");
      }
      return new EnvVar(value.substring(0, eq), value.substring(eq + 1));
    }
  }

  /** A row filter of {@code prism list}: {@code KEY=VALUE} or {@code KEY!=VALUE}. */
  static final class Filter implements ITypeConverter<StateQuery.Filter> {
    @Override
    public StateQuery.Filter convert(String value) {
      try {
        return StateQuery.Filter.parse(value);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
    }
  }

  /** The kinds of {@code prism list}, for shell completion. */
  static final class ListKinds implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(StateKind.values()).map(StateKind::word).iterator();
    }
  }

  /** The kinds of {@code prism summary}, for shell completion. */
  static final class SummaryKinds implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("tasks", "actors", "objects").iterator();
    }
  }
}
