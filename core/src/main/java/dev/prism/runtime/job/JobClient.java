package dev.prism.runtime.job;

import com.google.protobuf.ByteString;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.DownloadFileRequest;
import dev.prism.runtime.rpc.FileChunk;
import dev.prism.runtime.rpc.GetJobRequest;
import dev.prism.runtime.rpc.HasFileRequest;
import dev.prism.runtime.rpc.JobLogsChunk;
import dev.prism.runtime.rpc.JobLogsRequest;
import dev.prism.runtime.rpc.JobServiceGrpc;
import dev.prism.runtime.rpc.JobStatusProto;
import dev.prism.runtime.rpc.ListSubmittedJobsRequest;
import dev.prism.runtime.rpc.StopJobRequest;
import dev.prism.runtime.rpc.SubmitJobRequest;
import dev.prism.runtime.rpc.UploadFileChunk;
import dev.prism.runtime.rpc.UploadFileReply;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A client of a head's {@code JobService}: uploads files, submits, inspects, stops jobs and reads
 * their logs. Failures are {@link StatusRuntimeException}s whose description is the head's message
 * ({@link #describe}). Close it.
 */
public final class JobClient implements AutoCloseable {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

  private final ManagedChannel channel;
  private final JobServiceGrpc.JobServiceBlockingStub blocking;
  private final JobServiceGrpc.JobServiceStub async;

  private JobClient(ManagedChannel channel) {
    this.channel = channel;
    this.blocking = JobServiceGrpc.newBlockingStub(channel);
    this.async = JobServiceGrpc.newStub(channel);
  }

  /**
   * Connects to a head.
   *
   * @param address the GCS's {@code host:port}
   * @param token the cluster token
   * @return the client
   */
  public static JobClient connect(String address, ClusterToken token) {
    return new JobClient(Rpc.channel(address, token).build());
  }

  /**
   * The head's message for a failed call.
   *
   * @param e the failure
   * @return its description, or the status when it has none
   */
  public static String describe(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    return d == null || d.isBlank() ? e.getStatus().getCode().toString() : d;
  }

  private JobServiceGrpc.JobServiceBlockingStub stub() {
    return blocking.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Uploads a file unless the head has it.
   *
   * @param file the file
   * @return its sha-256
   * @throws IOException if it cannot be read
   * @throws StatusRuntimeException if the head refuses it (too large, ...)
   */
  public String upload(Path file) throws IOException {
    String hash = FileStore.sha256(file);
    if (stub().hasFile(HasFileRequest.newBuilder().setSha256(hash).build()).getPresent()) {
      return hash;
    }
    long size = Files.size(file);
    CompletableFuture<UploadFileReply> done = new CompletableFuture<>();
    StreamObserver<UploadFileChunk> out =
        async
            .withDeadlineAfter(TRANSFER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .uploadFile(
                new StreamObserver<>() {
                  @Override
                  public void onNext(UploadFileReply value) {
                    done.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[JobServiceImpl.CHUNK];
      boolean first = true;
      int n;
      while (!done.isDone() && ((n = in.readNBytes(buf, 0, buf.length)) > 0 || first)) {
        UploadFileChunk.Builder c =
            UploadFileChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n));
        if (first) {
          c.setSha256(hash).setSize(size);
          first = false;
        }
        out.onNext(c.build());
      }
      out.onCompleted();
    } catch (IOException | RuntimeException e) {
      out.onError(e);
      throw e;
    }
    try {
      done.get(TRANSFER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw new IOException("the upload of " + file + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("the upload of " + file + " did not finish in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while uploading " + file, e);
    }
    return hash;
  }

  /**
   * Downloads a file into {@code target} (replacing it) and checks its hash.
   *
   * @param hash the file's sha-256
   * @param target where to write it
   * @throws IOException if it cannot be written or its bytes do not match
   * @throws StatusRuntimeException NOT_FOUND when the head does not have it
   */
  public void download(String hash, Path target) throws IOException {
    Iterator<FileChunk> chunks =
        blocking
            .withDeadlineAfter(TRANSFER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .downloadFile(DownloadFileRequest.newBuilder().setSha256(hash).build());
    try (OutputStream out = Files.newOutputStream(target)) {
      while (chunks.hasNext()) {
        chunks.next().getData().writeTo(out);
      }
    }
    String actual = FileStore.sha256(target);
    if (!actual.equals(hash)) {
      Files.deleteIfExists(target);
      throw new IOException("the head sent a file with the sha-256 " + actual + " for " + hash);
    }
  }

  /**
   * Submits a job.
   *
   * @param mainClass the driver's main class
   * @param args its arguments
   * @param jars the hashes of its uploaded jars
   * @param env extra environment variables
   * @param submissionId its id, or empty for one the head picks
   * @return its status
   */
  public JobStatusProto submit(
      String mainClass,
      List<String> args,
      List<String> jars,
      Map<String, String> env,
      String submissionId) {
    return stub()
        .submitJob(
            SubmitJobRequest.newBuilder()
                .setMainClass(mainClass)
                .addAllArgs(args)
                .addAllJars(jars)
                .putAllEnv(env)
                .setSubmissionId(submissionId)
                .build())
        .getJob();
  }

  /**
   * Returns a job's status.
   *
   * @param id its submission id
   * @return the status
   */
  public JobStatusProto status(String id) {
    return stub().getJob(GetJobRequest.newBuilder().setSubmissionId(id).build()).getJob();
  }

  /**
   * Lists the jobs.
   *
   * @return their statuses, in submission order
   */
  public List<JobStatusProto> list() {
    return stub().listJobs(ListSubmittedJobsRequest.getDefaultInstance()).getJobsList();
  }

  /**
   * Stops a job and waits until its driver exited.
   *
   * @param id its submission id
   * @param grace how long the driver may take to exit after SIGTERM; zero for the head's default
   * @return its status afterwards
   */
  public JobStatusProto stop(String id, Duration grace) {
    return blocking
        .withDeadlineAfter(CALL_TIMEOUT.plus(grace).toMillis(), TimeUnit.MILLISECONDS)
        .stopJob(
            StopJobRequest.newBuilder().setSubmissionId(id).setGraceMs(grace.toMillis()).build())
        .getJob();
  }

  /**
   * Reads a job's log.
   *
   * @param id its submission id
   * @param offset where to start
   * @param follow keep reading until the job ended
   * @param sink gets each piece of the log as it comes
   * @return the job's status with the last piece
   */
  public JobStatusProto logs(String id, long offset, boolean follow, Consumer<byte[]> sink) {
    Iterator<JobLogsChunk> it =
        blocking.jobLogs(
            JobLogsRequest.newBuilder()
                .setSubmissionId(id)
                .setOffset(offset)
                .setFollow(follow)
                .build());
    JobStatusProto last = null;
    while (it.hasNext()) {
      JobLogsChunk c = it.next();
      if (!c.getData().isEmpty()) {
        sink.accept(c.getData().toByteArray());
      }
      if (c.hasJob()) {
        last = c.getJob();
      }
    }
    return last != null ? last : status(id);
  }

  /** Closes the channel. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
