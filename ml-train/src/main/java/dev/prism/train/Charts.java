package dev.prism.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Line charts as PNG files (headless Java2D): one panel per series, its values against the
 * iteration, for a run's loss and accuracy curves.
 */
public final class Charts {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
  };

  private Charts() {}

  /**
   * Writes a PNG with one panel per series, side by side.
   *
   * @param png the file to write (its directory is created)
   * @param title the chart's title
   * @param series values by name, each in iteration order (NaN values are skipped)
   * @throws IllegalArgumentException if there is no series
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void lines(Path png, String title, Map<String, List<Double>> series) {
    if (series.isEmpty()) {
      throw new IllegalArgumentException("a chart needs at least one series");
    }
    System.setProperty("java.awt.headless", "true");
    int panelW = 420;
    int panelH = 300;
    int top = 40;
    BufferedImage img =
        new BufferedImage(panelW * series.size(), panelH + top, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(img, title);
    try {
      int i = 0;
      for (Map.Entry<String, List<Double>> e : series.entrySet()) {
        panel(
            g,
            i * panelW,
            top,
            panelW,
            panelH,
            e.getKey(),
            e.getValue(),
            COLORS[i % COLORS.length]);
        i++;
      }
    } finally {
      g.dispose();
    }
    write(img, png);
  }

  private static void panel(
      Graphics2D g, int x0, int y0, int w, int h, String name, List<Double> values, Color color) {
    int left = x0 + 60;
    int right = x0 + w - 15;
    int top = y0 + 25;
    int bottom = y0 + h - 35;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString(name, x0 + w / 2 - name.length() * 3, y0 + 15);
    g.setColor(Color.GRAY);
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    if (min == Double.POSITIVE_INFINITY) {
      return;
    }
    if (max - min < 1e-12) {
      max = min + 1;
    }
    g.drawString(String.format(Locale.ROOT, "%.3g", max), x0 + 4, top + 5);
    g.drawString(String.format(Locale.ROOT, "%.3g", min), x0 + 4, bottom);
    g.drawString("1", left - 3, bottom + 15);
    g.drawString(Integer.toString(values.size()), right - 12, bottom + 15);
    g.drawString("iteration", (left + right) / 2 - 22, bottom + 28);
    g.setColor(color);
    g.setStroke(new BasicStroke(2f));
    int n = values.size();
    int px = -1;
    int py = -1;
    for (int i = 0; i < n; i++) {
      double v = values.get(i);
      if (Double.isNaN(v)) {
        continue;
      }
      int x = n == 1 ? (left + right) / 2 : left + (int) ((long) (right - left) * i / (n - 1));
      int y = bottom - (int) ((bottom - top) * (v - min) / (max - min));
      if (px >= 0) {
        g.drawLine(px, py, x, y);
      }
      g.fillOval(x - 2, y - 2, 5, 5);
      px = x;
      py = y;
    }
  }

  /**
   * Writes a PNG with every series in one panel (x: iteration, y: value), colours cycling, and a
   * legend of the first twelve names: a metric of many trials or runs compared.
   *
   * @param png the file to write (its directory is created)
   * @param title the chart's title
   * @param series values by name, each in iteration order (NaN values are skipped)
   * @throws IllegalArgumentException if there is no series
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void overlay(Path png, String title, Map<String, List<Double>> series) {
    if (series.isEmpty()) {
      throw new IllegalArgumentException("a chart needs at least one series");
    }
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(900, 560, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(img, title);
    try {
      int left = 70;
      int right = 700;
      int top = 50;
      int bottom = 510;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      int n = 1;
      for (List<Double> values : series.values()) {
        n = Math.max(n, values.size());
        for (double v : values) {
          if (!Double.isNaN(v)) {
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
        }
      }
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(Color.GRAY);
      g.drawLine(left, bottom, right, bottom);
      g.drawLine(left, top, left, bottom);
      if (min == Double.POSITIVE_INFINITY) {
        min = 0;
        max = 1;
      }
      if (max - min < 1e-12) {
        max = min + 1;
      }
      g.drawString(String.format(Locale.ROOT, "%.3g", max), 4, top + 5);
      g.drawString(String.format(Locale.ROOT, "%.3g", min), 4, bottom);
      g.drawString("1", left - 3, bottom + 15);
      g.drawString(Integer.toString(n), right - 12, bottom + 15);
      g.drawString("iteration", (left + right) / 2 - 22, bottom + 30);
      g.setStroke(new BasicStroke(1.6f));
      int k = 0;
      for (Map.Entry<String, List<Double>> e : series.entrySet()) {
        Color color = COLORS[k % COLORS.length];
        g.setColor(color);
        List<Double> values = e.getValue();
        int px = -1;
        int py = -1;
        for (int i = 0; i < values.size(); i++) {
          double v = values.get(i);
          if (Double.isNaN(v)) {
            continue;
          }
          int x = n == 1 ? (left + right) / 2 : left + (int) ((long) (right - left) * i / (n - 1));
          int y = bottom - (int) ((bottom - top) * (v - min) / (max - min));
          if (px >= 0) {
            g.drawLine(px, py, x, y);
          } else {
            g.fillOval(x - 2, y - 2, 5, 5);
          }
          px = x;
          py = y;
        }
        if (k < 12) {
          g.fillRect(715, top + k * 18, 12, 10);
          g.setColor(Color.BLACK);
          g.drawString(e.getKey(), 732, top + 10 + k * 18);
        } else if (k == 12) {
          g.setColor(Color.BLACK);
          g.drawString("... " + (series.size() - 12) + " more", 732, top + 10 + k * 18);
        }
        k++;
      }
    } finally {
      g.dispose();
    }
    write(img, png);
  }

  /** A white image with the chart's title, anti-aliased, ready to draw on. */
  private static Graphics2D canvas(BufferedImage img, String title) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, 12, 24);
    return g;
  }

  private static void write(BufferedImage img, Path png) {
    try {
      Path parent = png.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      ImageIO.write(img, "png", png.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write chart " + png + ": " + e.getMessage(), e);
    }
  }
}
