package dev.prism.runtime.node;

import dev.prism.runtime.job.FileStore;
import dev.prism.runtime.job.JobClient;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's cache of jobs' jars: fetched from the head ({@code JobService.DownloadFile}) by hash
 * the first time a lease of a job environment arrives, verified, and kept in a directory only the
 * node's user may read ({@code job-files-<node id>} in the node's spill directory, which is in its
 * session directory for {@code prism start}). A fetch that fails (the head has no such file) fails
 * the environment's leases; a later lease tries again.
 */
final class JobFiles {

  private static final Logger LOG = LoggerFactory.getLogger(JobFiles.class);

  private final Path directory;
  private final String gcsAddress;
  private final ClusterToken token;
  private final Map<String, CompletableFuture<Path>> files = new ConcurrentHashMap<>();
  private final ExecutorService fetcher =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("prism-job-files").factory());

  JobFiles(Path directory, String gcsAddress, ClusterToken token) {
    this.directory = directory;
    this.gcsAddress = gcsAddress;
    this.token = token;
  }

  /**
   * The local paths of an environment's jars, fetching those not here yet.
   *
   * @return the paths in class path order; fails with a message that names the missing file
   */
  CompletableFuture<List<Path>> resolve(List<String> hashes) {
    List<CompletableFuture<Path>> parts = new ArrayList<>();
    for (String h : hashes) {
      CompletableFuture<Path> f = files.computeIfAbsent(h, this::fetch);
      if (f.isCompletedExceptionally()) {
        // the last fetch failed: try once more for this lease (the head may have it now)
        files.remove(h, f);
        f = files.computeIfAbsent(h, this::fetch);
      }
      parts.add(f);
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
  }

  /** The paths of an environment that {@link #resolve} has fetched already. */
  List<Path> paths(List<String> hashes) {
    return hashes.stream().map(h -> files.get(h).join()).toList();
  }

  private CompletableFuture<Path> fetch(String hash) {
    return CompletableFuture.supplyAsync(() -> download(hash), fetcher);
  }

  private Path download(String hash) {
    try {
      FileStore.checkHash(hash);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the job environment names " + e.getMessage(), e);
    }
    if (gcsAddress.isEmpty()) {
      throw new IllegalStateException(
          "this node has no head to fetch the job's jar " + hash + " from");
    }
    Path target = directory.resolve(hash + ".jar");
    if (Files.isRegularFile(target)) {
      return target;
    }
    try {
      Files.createDirectories(directory);
      try {
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Path tmp = Files.createTempFile(directory, ".fetch-" + hash, ".tmp");
      try (JobClient client = JobClient.connect(gcsAddress, token)) {
        client.download(hash, tmp);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      LOG.debug("fetched the job jar {} from the head", hash);
      return target;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new IllegalStateException(
            "the head has no jar "
                + hash
                + " of this job's or task's environment (it was never uploaded to this cluster,"
                + " or the head restarted since)",
            e);
      }
      throw new IllegalStateException(
          "cannot fetch the job's jar " + hash + " from the head: " + JobClient.describe(e), e);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot fetch the job's jar " + hash + " from the head: " + e, e);
    }
  }

  void close() {
    fetcher.shutdownNow();
  }
}
