# Sourced by ./prism and .ci/run: selects a JDK 25 or newer and exports JAVA_HOME and PATH.
# Order: JAVA_HOME when it is 25+, then the JDKs installed in the system's JVM directories.
# Prints a clear error and returns 1 when none exists.

prism_java_major() {
  # Prints the feature version of the java launcher given as $1 (e.g. 25), or nothing.
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

prism_select_jdk25() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(prism_java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk*; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(prism_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "prism: no JDK 25 or newer found." >&2
  echo "  Looked at JAVA_HOME (${JAVA_HOME:-unset}) and the JDKs under /usr/lib/jvm, /usr/java, /opt/java." >&2
  echo "  Install a JDK 25 (e.g. Temurin 25) or point JAVA_HOME at one." >&2
  return 1
}
