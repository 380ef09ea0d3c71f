package dev.prism.runtime.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.KillActorRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The actor table alone (no server, no nodes): its bound on DEAD actors and name lookups. */
class GcsActorTableTest {

  private final ActorManager actors =
      new ActorManager(
          new NodeTable(InstantSource.system(), Duration.ofHours(1)),
          GcsConfig.builder().actorRetryPeriod(Duration.ofHours(1)).build(),
          3);

  @AfterEach
  void close() {
    actors.close();
  }

  private static ActorCreationSpec spec(int n, String name) {
    return ActorCreationSpec.newBuilder()
        .setActorId(ByteString.copyFrom(ByteBuffer.allocate(16).putInt(12, n).array()))
        .setOwner(Address.newBuilder().setWorkerId("driver"))
        .setFunction(FunctionDescriptorProto.newBuilder().setClassName("demo.A"))
        .setMaxConcurrency(1)
        .setName(name)
        .build();
  }

  private void kill(ActorCreationSpec spec) {
    actors.kill(
        KillActorRequest.newBuilder().setActorId(spec.getActorId()).setNoRestart(true).build());
  }

  @Test
  void onlyTheNewestDeadActorsAreKept() {
    for (int i = 1; i <= 5; i++) {
      ActorCreationSpec s = spec(i, "a");
      ActorInfo registered = actors.register(s);
      assertThat(registered.getState()).isEqualTo(ActorState.PENDING_CREATION);
      kill(s);
    }
    ActorCreationSpec live = spec(6, "a");
    actors.register(live);
    List<ActorInfo> all = actors.list();
    assertThat(all).hasSize(4);
    assertThat(all)
        .extracting(a -> a.getActorId().byteAt(15))
        .containsExactly((byte) 3, (byte) 4, (byte) 5, (byte) 6);
    assertThat(actors.info(spec(1, "a").getActorId())).isEmpty();

    // By name: the live actor wins over the dead ones; then the newest dead one.
    assertThat(lookup("a").getActorId()).isEqualTo(live.getActorId());
    kill(live);
    assertThat(lookup("a").getActorId()).isEqualTo(live.getActorId());
    assertThat(lookup("a").getState()).isEqualTo(ActorState.DEAD);
  }

  private ActorInfo lookup(String name) {
    var reply = new java.util.concurrent.atomic.AtomicReference<ActorInfo>();
    actors.get(
        GetActorRequest.newBuilder().setName(name).build(),
        new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(dev.prism.runtime.rpc.GetActorReply r) {
            reply.set(r.getActor());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    return reply.get();
  }
}
