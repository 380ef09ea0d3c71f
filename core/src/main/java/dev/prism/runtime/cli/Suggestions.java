package dev.prism.runtime.cli;

import java.util.Collection;
import java.util.Optional;

/**
 * The closest of a command's names to what was typed, for "did you mean" hints: a unique name that
 * starts with the typed text, else the name at the smallest edit distance (insertions, deletions,
 * substitutions and swaps of neighbours), if that distance is small for the word's length (and the
 * word, dashes left out, has three letters or more).
 */
final class Suggestions {

  private Suggestions() {}

  /**
   * The name the user most likely meant.
   *
   * @param typed what was typed ({@code stauts}, {@code --adress})
   * @param names the names there are
   * @return the closest, or empty when none is close
   */
  static Optional<String> closest(String typed, Collection<String> names) {
    if (typed.isEmpty()) {
      return Optional.empty();
    }
    String[] prefixed = names.stream().filter(n -> n.startsWith(typed)).toArray(String[]::new);
    if (prefixed.length == 1) {
      return Optional.of(prefixed[0]);
    }
    if (stripDashes(typed).length() < 3) {
      return Optional.empty(); // one or two letters are close to too many names
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String n : names) {
      int d = distance(stripDashes(typed), stripDashes(n));
      if (d < bestDistance) {
        best = n;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, stripDashes(typed).length() / 3));
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  private static String stripDashes(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '-') {
      i++;
    }
    return s.substring(i);
  }

  /** The optimal string alignment distance (Damerau-Levenshtein without repeated edits). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
