package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing the server while clients are connected, idle or blocked in a wait. */
class ServerShutdownTest {

  @TempDir Path tmp;

  @Test
  void closeWakesBlockedClientsAndRemovesEverything() throws Exception {
    StoreServer server = StoreTestSupport.server(tmp, 8L << 20);
    StoreClient creator = server.connect();
    StoreClient waiter = server.connect();
    StoreClient idle = server.connect();
    ObjectId id = ObjectId.random();
    ObjectWriter w = creator.create(id, 16);
    CompletableFuture<Void> blocked =
        CompletableFuture.runAsync(
            () -> {
              try (ObjectBuffer b = waiter.get(id, Duration.ofSeconds(60))) {
                throw new AssertionError("got an object that was never sealed: " + b.size());
              }
            });
    Thread.sleep(200);
    long t = System.nanoTime();
    Path shm = server.shmPath();
    server.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(5));
    assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> idle.contains(id)).isInstanceOf(StoreClosedException.class);
    assertThat(shm).doesNotExist();
    assertThat(server.socketPath()).doesNotExist();
    assertThat(tmp.resolve("spill")).doesNotExist();
    w.close(); // abort after the server is gone: reported as closed, never hangs
    creator.close();
    waiter.close();
    idle.close();
    server.close(); // idempotent
    StoreTestSupport.assertNoShmLeak();
  }

  @Test
  void connectingToNoServerFailsClearly() throws IOException {
    assertThatThrownBy(() -> StoreClient.connect(tmp.resolve("nothing.sock")))
        .isInstanceOf(StoreClosedException.class)
        .hasMessageContaining("nothing.sock")
        .hasMessageContaining("running");
  }
}
