package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Prism#nodes()} and {@link KeyValueStore} against an embedded cluster. */
class ClusterTablesTest {

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().namespace("tables").build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  @Test
  void listsTheNodeWithItsResources() {
    List<NodeInfo> nodes = Prism.nodes();
    assertThat(nodes).hasSize(1);
    NodeInfo node = nodes.get(0);
    assertThat(node.alive()).isTrue();
    assertThat(node.deathReason()).isEmpty();
    assertThat(node.nodeId()).isEqualTo(Prism.runtimeContext().nodeId());
    assertThat(node.total()).containsEntry("CPU", 2.0);
    assertThat(node.host()).isNotBlank();
  }

  @Test
  void storesReadsListsAndDeletesValues() {
    KeyValueStore.put("kv-test/a", bytes("one"));
    KeyValueStore.put("kv-test/b", bytes("two"));
    KeyValueStore.put("kv-test/a", bytes("three"));
    assertThat(KeyValueStore.get("kv-test/a"))
        .hasValueSatisfying(v -> assertThat(text(v)).isEqualTo("three"));
    assertThat(KeyValueStore.keys("kv-test/")).containsExactly("kv-test/a", "kv-test/b");
    assertThat(KeyValueStore.delete("kv-test/a")).isTrue();
    assertThat(KeyValueStore.delete("kv-test/a")).isFalse();
    assertThat(KeyValueStore.get("kv-test/a")).isEmpty();
  }

  @Test
  void aTaskSeesTheDriversNamespace() {
    KeyValueStore.put("kv-task/x", bytes("from the driver"));
    String seen =
        Prism.task(ClusterTablesTest::readInTask, "kv-task/x").remote().get(Duration.ofSeconds(60));
    assertThat(seen).isEqualTo("from the driver");
    assertThat(KeyValueStore.get("kv-task/y"))
        .hasValueSatisfying(v -> assertThat(text(v)).isEqualTo("from a task"));
  }

  @Test
  void refusesBadKeysAndOversizedValues() {
    assertThatThrownBy(() -> KeyValueStore.put(" ", bytes("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> KeyValueStore.put("big", new byte[KeyValueStore.MAX_VALUE_BYTES + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most");
    assertThatThrownBy(() -> KeyValueStore.get(null)).isInstanceOf(NullPointerException.class);
  }

  static String readInTask(String key) {
    KeyValueStore.put("kv-task/y", bytes("from a task"));
    return KeyValueStore.get(key).map(ClusterTablesTest::text).orElse("<missing>");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
