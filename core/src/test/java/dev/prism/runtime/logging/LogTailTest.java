package dev.prism.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last lines of a log read backwards across blocks, and following it from an offset. */
class LogTailTest {

  @TempDir Path dir;

  @Test
  void lastLinesAcrossManyBlocksWithAFilterAndAPartialLastLine() throws Exception {
    Path log = dir.resolve("node.log");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      // lines of varied length, so block edges fall mid-line
      lines.add((i % 3 == 0 ? "(pid=7) " : "(pid=8) ") + "line " + i + " " + "x".repeat(i % 50));
    }
    Files.writeString(log, String.join("\n", lines) + "\n(pid=7) half a line");

    LogTail.Chunk all = LogTail.last(log, 0, Long.MAX_VALUE, l -> true);
    assertThat(all.lines()).isEqualTo(lines);
    assertThat(all.offset()).isEqualTo(Files.size(log) - "(pid=7) half a line".length());

    LogTail.Chunk pid7 = LogTail.last(log, 5, Long.MAX_VALUE, l -> l.startsWith("(pid=7) "));
    List<String> expected7 = lines.stream().filter(l -> l.startsWith("(pid=7) ")).toList();
    assertThat(pid7.lines()).isEqualTo(expected7.subList(expected7.size() - 5, expected7.size()));

    LogTail.Chunk none = LogTail.last(log, 5, Long.MAX_VALUE, l -> l.contains("no such"));
    assertThat(none.lines()).isEmpty();

    // the byte bound: only lines wholly inside the last 1000 bytes
    LogTail.Chunk bounded = LogTail.last(log, 0, 1000, l -> true);
    assertThat(bounded.lines()).isNotEmpty().allMatch(lines::contains);
    assertThat(String.join("\n", bounded.lines()).length()).isLessThanOrEqualTo(1000);
    assertThat(bounded.lines().getLast()).isEqualTo(lines.getLast());
  }

  @Test
  void followingReadsOnlyCompletedLinesAndRestartsOnAReplacedFile() throws Exception {
    Path log = dir.resolve("f.log");
    Files.writeString(log, "a\nb\npart");
    LogTail.Chunk start = LogTail.last(log, 1, Long.MAX_VALUE, l -> true);
    assertThat(start.lines()).containsExactly("b");

    LogTail.Chunk nothing = LogTail.after(log, start.offset(), 1 << 20, l -> true);
    assertThat(nothing.lines()).isEmpty();
    assertThat(nothing.offset()).isEqualTo(start.offset());

    Files.writeString(log, "ial\nc\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    LogTail.Chunk next = LogTail.after(log, nothing.offset(), 1 << 20, l -> !l.equals("c"));
    assertThat(next.lines()).containsExactly("partial");
    assertThat(next.offset()).isEqualTo(Files.size(log));

    // a line longer than one read comes in pieces instead of blocking the reader
    Files.writeString(log, "y".repeat(100), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    LogTail.Chunk piece = LogTail.after(log, next.offset(), 40, l -> true);
    assertThat(piece.lines()).containsExactly("y".repeat(40));

    Files.writeString(log, "new\n"); // replaced by a shorter file
    assertThat(LogTail.after(log, next.offset(), 1 << 20, l -> true).lines())
        .containsExactly("new");
  }
}
