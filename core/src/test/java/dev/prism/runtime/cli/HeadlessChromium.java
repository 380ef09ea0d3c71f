package dev.prism.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium driven through ChromeDriver's W3C WebDriver protocol (JSON over HTTP,
 * spoken here with the JDK's client: no Selenium). {@link #ensureInstalled()} installs the Debian
 * packages {@code chromium} and {@code chromium-driver} when they are missing and this runs as root
 * (CI does); elsewhere the test is skipped with a message saying what to install.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final String base;
  private final String session;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Installs Chromium and ChromeDriver when missing and possible; skips the test otherwise. */
  static void ensureInstalled() throws Exception {
    if (Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER)) {
      return;
    }
    boolean root =
        "root".equals(System.getProperty("user.name"))
            || new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0");
    Assumptions.assumeTrue(
        root,
        "the dashboard test needs Debian's chromium and chromium-driver packages (apt-get install"
            + " chromium chromium-driver); not root, so they cannot be installed here");
    Process p =
        new ProcessBuilder(
                "sh",
                "-c",
                "(apt-get install -y -q chromium chromium-driver || (apt-get update -q &&"
                    + " apt-get install -y -q chromium chromium-driver)) 2>&1")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("apt-get could not install chromium:\n" + out);
    }
  }

  /** Starts ChromeDriver and a headless browser session with a fresh profile. */
  HeadlessChromium(Path profile) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    driver =
        new ProcessBuilder(DRIVER.toString(), "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(profile.resolveSibling("chromedriver.log").toFile())
            .start();
    base = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        JsonNode status = call("GET", "/status", null);
        if (status.path("value").path("ready").asBoolean()) {
          break;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("chromedriver did not start within 30 s");
      }
      Thread.sleep(100);
    }
    Map<String, Object> options =
        Map.of(
            "binary",
            CHROMIUM.toString(),
            "args",
            List.of(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile));
    JsonNode created =
        call(
            "POST",
            "/session",
            Map.of(
                "capabilities",
                Map.of(
                    "alwaysMatch",
                    Map.of("browserName", "chrome", "goog:chromeOptions", options))));
    session = created.path("value").path("sessionId").asText();
    if (session.isEmpty()) {
      close();
      throw new IllegalStateException("chromedriver made no session: " + created);
    }
  }

  /** Opens a URL in the browser. */
  void open(String url) throws Exception {
    call("POST", "/session/" + session + "/url", Map.of("url", url));
  }

  /** Runs a script in the page and returns its result as text ("" for null). */
  String script(String js) throws Exception {
    JsonNode v =
        call(
                "POST",
                "/session/" + session + "/execute/sync",
                Map.of("script", js, "args", List.of()))
            .path("value");
    return v.isNull() || v.isMissingNode() ? "" : v.isTextual() ? v.asText() : v.toString();
  }

  /** Waits until a script returns "true". */
  void await(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = script("return String(" + condition + ")");
      if (last.equals("true")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the page did not reach '"
            + condition
            + "' within "
            + timeout
            + " (last: "
            + last
            + "); it shows:\n"
            + script("return document.body ? document.body.innerText : ''"));
  }

  /** Saves a PNG screenshot of the window. */
  void screenshot(Path file) throws Exception {
    String b64 = call("GET", "/session/" + session + "/screenshot", null).path("value").asText();
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(b64));
  }

  private JsonNode call(String method, String path, Object body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (body == null) {
      b.method(method, BodyPublishers.noBody());
    } else {
      b.method(method, BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
          .header("Content-Type", "application/json");
    }
    String text = http.send(b.build(), BodyHandlers.ofString()).body();
    JsonNode node = JSON.readTree(text);
    if (node.path("value").has("error")) {
      throw new IllegalStateException(
          "webdriver " + method + " " + path + ": " + node.path("value").path("message").asText());
    }
    return node;
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        call("DELETE", "/session/" + session, null);
      }
    } catch (Exception e) {
      // the driver goes below
    }
    driver.descendants().forEach(ProcessHandle::destroyForcibly);
    driver.destroyForcibly();
  }
}
