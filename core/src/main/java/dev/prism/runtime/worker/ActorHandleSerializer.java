package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.Serializer;

/**
 * How an {@link ActorHandleImpl} nested in a value travels: the actor's id, class, call limits and
 * concurrency group names, and its lifetime ref written as an ordinary nested ref (so the receiving
 * process becomes a borrower of it, which keeps the actor alive while the handle is used there).
 */
@SuppressWarnings("rawtypes")
final class ActorHandleSerializer extends Serializer<ActorHandleImpl> {

  private final ActorHandleImpl.Actors actors;
  private final ObjectRefSerializer refs;

  ActorHandleSerializer(
      TypeResolver resolver, ActorHandleImpl.Actors actors, ObjectRefImpl.Session session) {
    super(resolver.getConfig(), ActorHandleImpl.class);
    this.actors = actors;
    this.refs = new ObjectRefSerializer(resolver, session);
  }

  @Override
  public void write(WriteContext ctx, ActorHandleImpl handle) {
    MemoryBuffer buffer = ctx.getBuffer();
    byte[] id = handle.actorIdBytes().toByteArray();
    buffer.writeVarUInt32(id.length);
    buffer.writeBytes(id);
    byte[] name = handle.className().getBytes(StandardCharsets.UTF_8);
    buffer.writeVarUInt32(name.length);
    buffer.writeBytes(name);
    buffer.writeInt32(handle.maxTaskRetries());
    buffer.writeInt32(handle.maxPendingCalls());
    List<String> groups = handle.concurrencyGroups();
    buffer.writeVarUInt32(groups.size());
    for (String group : groups) {
      byte[] bytes = group.getBytes(StandardCharsets.UTF_8);
      buffer.writeVarUInt32(bytes.length);
      buffer.writeBytes(bytes);
    }
    ObjectRefImpl<?> lifetime = handle.lifetimeRef();
    buffer.writeBoolean(lifetime != null);
    if (lifetime != null) {
      refs.write(ctx, lifetime);
    }
  }

  @Override
  public ActorHandleImpl read(ReadContext ctx) {
    MemoryBuffer buffer = ctx.getBuffer();
    ByteString id = ByteString.copyFrom(buffer.readBytes(buffer.readVarUInt32()));
    String className = new String(buffer.readBytes(buffer.readVarUInt32()), StandardCharsets.UTF_8);
    int retries = buffer.readInt32();
    int pending = buffer.readInt32();
    int groupCount = buffer.readVarUInt32();
    List<String> groups = new ArrayList<>(groupCount);
    for (int i = 0; i < groupCount; i++) {
      groups.add(new String(buffer.readBytes(buffer.readVarUInt32()), StandardCharsets.UTF_8));
    }
    ObjectRefImpl<?> lifetime = buffer.readBoolean() ? refs.read(ctx) : null;
    return new ActorHandleImpl<>(actors, id, className, retries, pending, lifetime, groups);
  }
}
