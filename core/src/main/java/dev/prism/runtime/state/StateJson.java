package dev.prism.runtime.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Rows as JSON (Jackson): an array of objects whose fields are the rows' columns, in order. */
public final class StateJson {

  /** The mapper used here; configured once, thread safe. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StateJson() {}

  /**
   * The rows as plain maps (column name to value), for any JSON library or template.
   *
   * @param rows the rows
   * @param detail whether to include every column
   * @return one map per row
   */
  public static List<Map<String, Object>> maps(List<? extends StateRow> rows, boolean detail) {
    List<Map<String, Object>> out = new ArrayList<>(rows.size());
    for (StateRow r : rows) {
      out.add(r.columns(detail));
    }
    return out;
  }

  /**
   * The rows as a Jackson array.
   *
   * @param rows the rows
   * @param detail whether to include every column
   * @return the array
   */
  public static ArrayNode tree(List<? extends StateRow> rows, boolean detail) {
    ArrayNode a = MAPPER.createArrayNode();
    for (Map<String, Object> m : maps(rows, detail)) {
      a.add(MAPPER.valueToTree(m));
    }
    return a;
  }

  /**
   * A JSON value as indented text.
   *
   * @param node the value
   * @return the text, without a final newline
   */
  public static String text(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
