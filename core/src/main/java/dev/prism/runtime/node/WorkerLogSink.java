package dev.prism.runtime.node;

import java.io.PrintStream;

/**
 * Receives the output of worker processes, line by line. The node manager reads each worker's
 * stdout and stderr on their own threads and calls the sink for every line, so a sink must be
 * thread safe. The default, {@link #console()}, prints each line to this process's stdout or stderr
 * prefixed with {@code (pid=<worker pid>) }, as Ray does.
 */
@FunctionalInterface
public interface WorkerLogSink {

  /** Which output stream of the worker a line came from. */
  enum Stream {
    /** The worker's standard output. */
    STDOUT,
    /** The worker's standard error. */
    STDERR
  }

  /**
   * Receives one line.
   *
   * @param pid the worker's process id
   * @param stream where the line came from
   * @param line the line, without its line terminator
   */
  void line(long pid, Stream stream, String line);

  /**
   * Returns the prefix Prism puts before a worker's line.
   *
   * @param pid the worker's process id
   * @return {@code (pid=<pid>) }
   */
  static String prefix(long pid) {
    return "(pid=" + pid + ") ";
  }

  /**
   * Returns the sink that prints to {@link System#out} and {@link System#err} (looked up on every
   * line, so a redirected stream is honoured), each line prefixed with {@link #prefix}.
   *
   * @return the console sink
   */
  static WorkerLogSink console() {
    return (pid, stream, line) -> {
      PrintStream out = stream == Stream.STDOUT ? System.out : System.err;
      out.println(prefix(pid) + line);
    };
  }
}
