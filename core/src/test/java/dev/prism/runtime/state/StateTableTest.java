package dev.prism.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.state.StateRows.NodeRow;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The text table, the JSON form and the filters, without a cluster. */
class StateTableTest {

  private static final List<NodeRow> NODES =
      List.of(
          new NodeRow(
              "aaaa1111",
              "10.0.0.1:7000",
              "ALIVE",
              "",
              new TreeMap<>(Map.of("CPU", 4.0, "GPU", 0.5)),
              Map.of(),
              Map.of()),
          new NodeRow(
              "bbbb2222", "10.0.0.2:7000", "DEAD", "gone", Map.of("CPU", 2.0), Map.of(), Map.of()));

  @Test
  void alignsColumnsUnderUpperCaseHeaders() {
    String t = StateTable.render(NODES, false);
    assertThat(t.lines().toList())
        .containsExactly(
            "NODE ID   ADDRESS        STATE  TOTAL",
            "aaaa1111  10.0.0.1:7000  ALIVE  {CPU 4, GPU 0.5}",
            "bbbb2222  10.0.0.2:7000  DEAD   {CPU 2}");
    assertThat(StateTable.render(List.of(), false)).isEqualTo("(none)\n");
    assertThat(StateTable.render(NODES, true)).contains("DEATH REASON").contains("gone");
  }

  @Test
  void jsonKeepsTheColumnsInOrder() {
    var tree = StateJson.tree(NODES, false);
    assertThat(tree).hasSize(2);
    assertThat(tree.get(0).fieldNames())
        .toIterable()
        .containsExactly("node_id", "address", "state", "total");
    assertThat(tree.get(0).get("total").get("GPU").asDouble()).isEqualTo(0.5);
    assertThat(StateJson.maps(NODES, true).get(1)).containsEntry("death_reason", "gone");
  }

  @Test
  void filtersByColumnAliasAndIdPrefix() {
    StateQuery q = new StateQuery(List.of(StateQuery.Filter.parse("node=bbbb")), 0, false);
    assertThat(q.apply("nodes", NODES)).extracting(NodeRow::nodeId).containsExactly("bbbb2222");
    StateQuery alive = new StateQuery(List.of(StateQuery.Filter.parse("state!=dead")), 0, false);
    assertThat(alive.apply("nodes", NODES)).extracting(NodeRow::nodeId).containsExactly("aaaa1111");
    assertThat(new StateQuery(List.of(), 1, false).apply("nodes", NODES)).hasSize(1);
    assertThatThrownBy(() -> StateQuery.Filter.parse("=x")).hasMessageContaining("bad filter");
    assertThatThrownBy(() -> StateKind.parse("taks"))
        .hasMessage(
            "unknown kind 'taks'; the kinds are nodes, jobs, actors, tasks, objects, workers,"
                + " placement-groups");
    assertThat(StateKind.parse("Placement_Group")).isEqualTo(StateKind.PLACEMENT_GROUPS);
  }
}
