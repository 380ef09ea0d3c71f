package dev.prism.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PrismSerializationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fory's deny list of known deserialization gadgets stays on although Prism does not require class
 * registration: such classes are refused by name, on either side. (The main guarantee is the
 * cluster token: no endpoint deserializes anything a caller without it sent.)
 */
class ObjectSerializerDenyListTest {

  @Test
  void knownGadgetClassesAreRefusedAndPlainDataIsNot() {
    ObjectSerializer s = new ObjectSerializer(getClass().getClassLoader());
    Object gadget = java.beans.EventHandler.create(Runnable.class, new Object(), "toString");
    assertThatThrownBy(() -> s.serialize(gadget))
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("disallowed list");
    assertThatThrownBy(() -> s.serialize(new ProcessBuilder("true")))
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("disallowed list");
    assertThat(s.deserialize(s.serialize(List.of(1, "two", new int[] {3})))).asList().hasSize(3);
  }
}
