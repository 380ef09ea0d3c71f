package dev.prism.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesReply;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.KvGetReply;
import dev.prism.runtime.rpc.KvGetRequest;
import dev.prism.runtime.rpc.KvPutReply;
import dev.prism.runtime.rpc.KvPutRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every channel and server built by {@link Rpc} has: the token sent and checked, the request
 * limit of servers, replies of any size on channels, and error descriptions cut short.
 */
@Timeout(60)
class RpcTest {

  private static final int BIG = 5 << 20;

  private final ClusterToken token = ClusterToken.generate();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  /** A GCS service that answers from nothing: enough to see the transport's settings. */
  private static final class Service extends GcsServiceGrpc.GcsServiceImplBase {
    @Override
    public void getAllNodes(GetAllNodesRequest request, StreamObserver<GetAllNodesReply> reply) {
      reply.onNext(
          GetAllNodesReply.newBuilder().addNodes(NodeInfo.newBuilder().setNodeId("n1")).build());
      reply.onCompleted();
    }

    @Override
    public void kvGet(KvGetRequest request, StreamObserver<KvGetReply> reply) {
      reply.onNext(
          KvGetReply.newBuilder()
              .setFound(true)
              .setValue(ByteString.copyFrom(new byte[BIG]))
              .build());
      reply.onCompleted();
    }

    @Override
    public void kvPut(KvPutRequest request, StreamObserver<KvPutReply> reply) {
      reply.onError(
          Status.INVALID_ARGUMENT.withDescription("x".repeat(10_000)).asRuntimeException());
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = Rpc.server("127.0.0.1", 0, token, "test server").addService(new Service()).build();
    server.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private GcsServiceGrpc.GcsServiceBlockingStub stub(Rpc.ChannelSpec spec) {
    ManagedChannel c = spec.build();
    channels.add(c);
    return GcsServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aChannelWithTheTokenIsServedBothByTargetAndByHostAndPort() {
    GetAllNodesRequest request = GetAllNodesRequest.getDefaultInstance();
    assertThat(stub(Rpc.channel("127.0.0.1:" + server.getPort(), token)).getAllNodes(request))
        .extracting(r -> r.getNodes(0).getNodeId())
        .isEqualTo("n1");
    assertThat(stub(Rpc.channel("127.0.0.1", server.getPort(), token)).getAllNodes(request))
        .extracting(GetAllNodesReply::getNodesCount)
        .isEqualTo(1);
  }

  @Test
  void aChannelWithAnotherTokenIsRefused() {
    GcsServiceGrpc.GcsServiceBlockingStub other =
        stub(Rpc.channel("127.0.0.1", server.getPort(), ClusterToken.generate()));
    assertThatThrownBy(() -> other.getAllNodes(GetAllNodesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).isEqualTo(TokenAuth.REFUSED);
            });
  }

  @Test
  void serversRefuseRequestsOverTheControlLimitUnlessTold() throws IOException {
    KvPutRequest big =
        KvPutRequest.newBuilder().setKey("k").setValue(ByteString.copyFrom(new byte[BIG])).build();
    GcsServiceGrpc.GcsServiceBlockingStub s =
        stub(Rpc.channel("127.0.0.1", server.getPort(), token));
    assertThat(code(() -> s.kvPut(big))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    Server unlimited =
        Rpc.server("127.0.0.1", 0, token, "unlimited")
            .maxInboundMessageSize(Rpc.UNLIMITED)
            .directExecutor()
            .addService(new Service())
            .build()
            .start();
    try {
      GcsServiceGrpc.GcsServiceBlockingStub u =
          stub(Rpc.channel("127.0.0.1", unlimited.getPort(), token));
      assertThat(code(() -> u.kvPut(big)))
          .as("read whole, so the service's own answer comes back")
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    } finally {
      unlimited.shutdownNow();
    }
  }

  @Test
  void channelsAcceptRepliesOfAnySizeUnlessCapped() {
    KvGetRequest get = KvGetRequest.newBuilder().setKey("k").build();
    assertThat(stub(Rpc.channel("127.0.0.1", server.getPort(), token)).kvGet(get).getValue().size())
        .isEqualTo(BIG);
    GcsServiceGrpc.GcsServiceBlockingStub capped =
        stub(Rpc.channel("127.0.0.1", server.getPort(), token).maxInboundMessageSize(1 << 20));
    assertThat(code(() -> capped.kvGet(get))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void errorDescriptionsAreCutToWhatEveryClientAccepts() {
    GcsServiceGrpc.GcsServiceBlockingStub s =
        stub(Rpc.channel("127.0.0.1", server.getPort(), token).directExecutor());
    assertThatThrownBy(() -> s.kvPut(KvPutRequest.newBuilder().setKey("k").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("x".repeat(StatusDescriptionLimit.MAX_CHARS) + "...")
                  .endsWith("(10000 characters in all)");
            });
  }
}
