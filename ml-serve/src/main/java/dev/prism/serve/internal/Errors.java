package dev.prism.serve.internal;

import dev.prism.TaskException;

/** Short descriptions of failures for statuses and messages. */
final class Errors {

  private Errors() {}

  /** The innermost useful message: a remote exception's own, not its wrappers'. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t instanceof TaskException && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + firstLine(m));
  }

  private static String firstLine(String m) {
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
