package dev.prism.runtime.logging;

import java.io.PrintStream;
import java.time.LocalTime;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** {@link FallbackServiceProvider}'s logger: WARN and ERROR to standard error. */
final class FallbackLogger extends LegacyAbstractLogger {

  private static final long serialVersionUID = 1L;

  FallbackLogger(String name) {
    this.name = name;
  }

  @Override
  public boolean isTraceEnabled() {
    return false;
  }

  @Override
  public boolean isDebugEnabled() {
    return false;
  }

  @Override
  public boolean isInfoEnabled() {
    return false;
  }

  @Override
  public boolean isWarnEnabled() {
    return true;
  }

  @Override
  public boolean isErrorEnabled() {
    return true;
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    String shortName = name.substring(name.lastIndexOf('.') + 1);
    PrintStream err = System.err;
    synchronized (err) {
      err.println(LocalTime.now() + " " + level + " " + shortName + " - " + message);
      if (throwable != null) {
        throwable.printStackTrace(err);
      }
    }
  }
}
