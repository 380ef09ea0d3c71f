package dev.prism.tune;

import dev.prism.tune.search.Space;

/** Spaces the tests share. */
final class TuneTestSpaces {
  private TuneTestSpaces() {}

  static Space rates() {
    return Space.builder().constant("rate", 0.1).build();
  }
}
