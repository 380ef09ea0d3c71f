package dev.prism.collective.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The actor through which a group's ranks learn each other's addresses: each rank registers, and
 * every registration completes when all ranks of the round have registered. A rank that registers
 * again before the round completes (a restarted member) replaces its earlier address. Completed
 * rounds are forgotten, so the group can form again.
 */
public final class Rendezvous {
  private final int worldSize;
  private String[] addresses;
  private CompletableFuture<List<String>> round = new CompletableFuture<>();
  private int registered;

  /**
   * Creates the rendezvous of a group.
   *
   * @param worldSize the number of ranks
   */
  public Rendezvous(Integer worldSize) {
    this.worldSize = worldSize;
    this.addresses = new String[worldSize];
  }

  /**
   * Registers one rank's address.
   *
   * @param rank the rank
   * @param address its {@code host:port}
   * @return completes with every rank's address, by rank, once all have registered
   */
  public CompletionStage<List<String>> register(Integer rank, String address) {
    if (rank < 0 || rank >= worldSize) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "rank is " + rank + "; this group's ranks run from 0 to " + (worldSize - 1)));
    }
    if (addresses[rank] == null) {
      registered++;
    }
    addresses[rank] = address;
    CompletableFuture<List<String>> mine = round;
    if (registered == worldSize) {
      mine.complete(new ArrayList<>(Arrays.asList(addresses)));
      addresses = new String[worldSize];
      registered = 0;
      round = new CompletableFuture<>();
    }
    return mine;
  }
}
