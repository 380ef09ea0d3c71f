package dev.prism.runtime.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.prism.PrismSerializationException;
import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import java.util.ArrayList;
import java.util.List;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.TypeResolver;
import org.apache.fory.serializer.Serializer;

/**
 * How an {@link ObjectRefImpl} nested in a value travels: its id and its owner's address. Every ref
 * written or read while a {@link Collector} is open on the thread is recorded in it, so the runtime
 * knows which refs a task argument or a result contains (for reference counting and borrower
 * registration).
 */
@SuppressWarnings("rawtypes")
final class ObjectRefSerializer extends Serializer<ObjectRefImpl> {

  private final ObjectRefImpl.Session session;

  ObjectRefSerializer(TypeResolver resolver, ObjectRefImpl.Session session) {
    super(resolver.getConfig(), ObjectRefImpl.class);
    this.session = session;
  }

  @Override
  public void write(WriteContext ctx, ObjectRefImpl ref) {
    MemoryBuffer buffer = ctx.getBuffer();
    ObjectId id = ref.objectId();
    buffer.writeInt64(id.high());
    buffer.writeInt64(id.mid());
    buffer.writeInt32(id.low());
    byte[] owner = ref.owner().toByteArray();
    buffer.writeVarUInt32(owner.length);
    buffer.writeBytes(owner);
    Collector.record(ref);
  }

  @Override
  public ObjectRefImpl read(ReadContext ctx) {
    MemoryBuffer buffer = ctx.getBuffer();
    ObjectId id = new ObjectId(buffer.readInt64(), buffer.readInt64(), buffer.readInt32());
    byte[] ownerBytes = buffer.readBytes(buffer.readVarUInt32());
    Address owner;
    try {
      owner = Address.parseFrom(ownerBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new PrismSerializationException(
          "a serialized ObjectRef has a corrupt owner address", e);
    }
    ObjectRefImpl<?> ref = new ObjectRefImpl<>(session, id, owner);
    Collector.record(ref);
    return ref;
  }

  /** Records the refs serialized or deserialized on this thread between open and close. */
  static final class Collector implements AutoCloseable {
    private static final ThreadLocal<Collector> CURRENT = new ThreadLocal<>();

    private final Collector previous;
    private final List<ObjectRefImpl<?>> refs = new ArrayList<>(0);

    private Collector(Collector previous) {
      this.previous = previous;
    }

    static Collector open() {
      Collector c = new Collector(CURRENT.get());
      CURRENT.set(c);
      return c;
    }

    static void record(ObjectRefImpl<?> ref) {
      Collector c = CURRENT.get();
      if (c != null) {
        c.refs.add(ref);
      }
    }

    List<ObjectRefImpl<?>> refs() {
      return refs;
    }

    @Override
    public void close() {
      CURRENT.set(previous);
    }
  }
}
