package dev.prism.runtime.logging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads the complete lines of a log file that another process appends to: the last lines (read
 * backwards from the end, so a large log costs what the answer needs), or the lines completed after
 * an offset (to follow it). A partial last line is left for the next read; the returned offset is
 * where that read starts.
 */
public final class LogTail {

  private static final int BLOCK = 64 * 1024;

  private LogTail() {}

  /**
   * Lines and where the next read starts.
   *
   * @param lines the lines kept, oldest first, without their newlines
   * @param offset the file offset just past the last complete line read
   */
  public record Chunk(List<String> lines, long offset) {
    /** Copies the lines. */
    public Chunk {
      lines = List.copyOf(lines);
    }
  }

  /**
   * The last complete lines of a file that a filter keeps.
   *
   * @param file the log
   * @param max at most this many lines (0: all)
   * @param maxBytes read at most this many bytes back from the end
   * @param keep which lines count
   * @return the lines, oldest first, and the offset past the last complete line
   * @throws IOException if the file cannot be read
   */
  public static Chunk last(Path file, int max, long maxBytes, Predicate<String> keep)
      throws IOException {
    if (max < 0 || maxBytes < 1) {
      throw new IllegalArgumentException("max " + max + " and maxBytes " + maxBytes);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long end = endOfLastLine(ch, ch.size());
      Deque<String> kept = new ArrayDeque<>();
      long pos = end;
      long floor = Math.max(0, end - maxBytes);
      // The first line of what was read so far, whose start lies further back (no newline).
      byte[] partial = new byte[0];
      while (pos > floor && (max == 0 || kept.size() < max)) {
        int n = (int) Math.min(BLOCK, pos - floor);
        pos -= n;
        byte[] data = new byte[n + partial.length];
        read(ch, pos, data, n);
        System.arraycopy(partial, 0, data, n, partial.length);
        // Every segment after data's first newline is a whole line (the last one ends where
        // the previous block's first line ended); the one before it may start further back.
        int lineEnd = data.length;
        int firstNewline = -1;
        for (int i = data.length - 1; i >= 0; i--) {
          if (data[i] == '\n') {
            if (max == 0 || kept.size() < max) {
              keepLine(data, i + 1, lineEnd, keep, kept);
            }
            lineEnd = i;
            firstNewline = i;
          }
        }
        partial = Arrays.copyOfRange(data, 0, firstNewline < 0 ? data.length : firstNewline);
      }
      if (pos == 0 && (max == 0 || kept.size() < max)) {
        keepLine(partial, 0, partial.length, keep, kept); // the file's first line
      }
      return new Chunk(new ArrayList<>(kept), end);
    }
  }

  /**
   * The complete lines a filter keeps that were written after an offset. A file shorter than the
   * offset was replaced: it is read from its start.
   *
   * @param file the log
   * @param offset where the previous read ended
   * @param maxBytes read at most this many bytes (a longer line is returned in pieces)
   * @param keep which lines count
   * @return the lines and the offset past the last complete line read
   * @throws IOException if the file cannot be read
   */
  public static Chunk after(Path file, long offset, int maxBytes, Predicate<String> keep)
      throws IOException {
    if (offset < 0 || maxBytes < 1) {
      throw new IllegalArgumentException("offset " + offset + " and maxBytes " + maxBytes);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long from = offset > size ? 0 : offset;
      int n = (int) Math.min(maxBytes, size - from);
      byte[] data = new byte[n];
      read(ch, from, data, n);
      int last = lastIndexOf(data, (byte) '\n');
      int complete = last >= 0 ? last + 1 : (n == maxBytes ? n : 0);
      List<String> lines = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < complete; i++) {
        if (data[i] == '\n' || i == complete - 1) {
          int to = data[i] == '\n' ? i : i + 1;
          String line = new String(data, start, to - start, StandardCharsets.UTF_8);
          if (!line.isEmpty() && keep.test(line)) {
            lines.add(line);
          }
          start = i + 1;
        }
      }
      return new Chunk(lines, from + complete);
    }
  }

  private static void keepLine(
      byte[] data, int from, int to, Predicate<String> keep, Deque<String> kept) {
    if (to > from) {
      String line = new String(data, from, to - from, StandardCharsets.UTF_8);
      if (keep.test(line)) {
        kept.addFirst(line);
      }
    }
  }

  /** The offset just past the file's last newline (0 when it has none). */
  private static long endOfLastLine(FileChannel ch, long size) throws IOException {
    long pos = size;
    byte[] buf = new byte[BLOCK];
    while (pos > 0) {
      int n = (int) Math.min(BLOCK, pos);
      pos -= n;
      read(ch, pos, buf, n);
      for (int i = n - 1; i >= 0; i--) {
        if (buf[i] == '\n') {
          return pos + i + 1;
        }
      }
    }
    return 0;
  }

  private static void read(FileChannel ch, long position, byte[] into, int n) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(into, 0, n);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new IOException("the log got shorter while it was read");
      }
    }
  }

  private static int lastIndexOf(byte[] data, byte b) {
    for (int i = data.length - 1; i >= 0; i--) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
