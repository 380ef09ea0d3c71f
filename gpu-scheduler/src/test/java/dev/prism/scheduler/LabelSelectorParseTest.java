package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LabelSelector#parse} reads Ray's label-selector syntax and refuses malformed text. */
class LabelSelectorParseTest {

  private static final Map<String, String> WEST_A100 =
      Map.of("region", "us-west", "gpu", "A100", "zone", "a");

  @Test
  void equalsAndNotEquals() {
    LabelSelector s = LabelSelector.parse(Map.of("region", "us-west", "gpu", "!A100"));
    assertThat(s.matches(Map.of("region", "us-west", "gpu", "H100"))).isTrue();
    assertThat(s.matches(Map.of("region", "us-west"))).isTrue();
    assertThat(s.matches(WEST_A100)).isFalse();
    assertThat(s.matches(Map.of("region", "us-east"))).isFalse();
  }

  @Test
  void inAndNotIn() {
    LabelSelector in = LabelSelector.parse(Map.of("zone", "in(a, b)"));
    assertThat(in.matches(WEST_A100)).isTrue();
    assertThat(in.matches(Map.of("zone", "c"))).isFalse();
    assertThat(in.matches(Map.of())).isFalse();
    LabelSelector notIn = LabelSelector.parse(Map.of("zone", "!in(a,b)"));
    assertThat(notIn.matches(WEST_A100)).isFalse();
    assertThat(notIn.matches(Map.of("zone", "c"))).isTrue();
    assertThat(notIn.matches(Map.of())).isTrue();
    assertThat(LabelSelector.parse(Map.of()).isEmpty()).isTrue();
  }

  @Test
  void malformedTextIsRefusedNamingIt() {
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "in(a,b")))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("zone='in(a,b'")
        .hasMessageContaining("not closed");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "in()")))
        .hasMessageContaining("a value is empty");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "in(a,,b)")))
        .hasMessageContaining("a value is empty");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "!")))
        .hasMessageContaining("a value is empty");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "a,b")))
        .hasMessageContaining("value 'a,b' holds one of")
        .hasMessageContaining("in(a,b)");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("zone", "!!a")))
        .hasMessageContaining("value '!a'");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of(" ", "a")))
        .hasMessageContaining("label selector key ' ' is blank");
    assertThatThrownBy(() -> LabelSelector.parse(Map.of("my zone", "a")))
        .hasMessageContaining("holds whitespace");
  }

  @Test
  void userLabelsMayNotUseTheReservedPrefix() {
    Labels.checkUserLabels(Map.of("region", "us-west"));
    assertThatThrownBy(() -> Labels.checkUserLabels(Map.of(Labels.NODE_ID, "x")))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("'prism.io/node-id' uses the reserved prefix prism.io/");
    assertThatThrownBy(() -> Labels.checkUserLabels(Map.of("", "x")))
        .hasMessageContaining("is blank");
  }
}
