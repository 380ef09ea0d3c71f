package dev.prism.runtime.node;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AOT cache of a node's worker JVMs (JEP 483, 514 and 515): classes loaded and linked ahead of
 * time, with method profiles, so a worker starts faster and is warm sooner.
 *
 * <p>Caches live in a directory every node on the machine finds ({@link
 * NodeConfig#workerAotCache()}), one per key: a hash of the {@code java} executable (its path and
 * its runtime image's size and modification time), the worker JVM flags and options, the main class
 * and every class path entry (a jar's path, size and modification time; a directory's files' paths,
 * sizes and modification times). When the node starts its first worker, it looks for the key's
 * cache: one that exists with its jars and starts as a JVM archive does is used from that worker
 * on, and checked once in this JVM in the background (a JVM started with {@code -XX:AOTMode=on},
 * which fails on a file it cannot use); a cache that fails is withdrawn with one warning per node
 * and removed. When there is none (or no longer), the node starts an {@link AotCacheInstaller},
 * which trains one with a short run of the worker main class ({@link
 * dev.prism.runtime.worker.WorkerMain#TRAIN_ARGUMENT}) under {@code -XX:AOTCacheOutput}, checks it
 * and renames it into place, under a file lock so that two nodes (or processes) do not train the
 * same cache at once; the installer finishes even if the node's JVM ends first. Workers launched
 * once the cache is ready start with {@code -XX:AOTCache} (the JVM's default {@code AOTMode=auto}:
 * a JVM that cannot map it still starts); workers launched before start without it.
 *
 * <p>The JVM caches classes from jars only and refuses a class path with a non-empty directory, so
 * each such directory is packed into a jar named by its content ({@code cp-<hash>.jar}, in the same
 * directory) and workers with a cache get that jar in the directory's place.
 */
final class AotCache {

  private static final Logger LOG = LoggerFactory.getLogger(AotCache.class);

  /** How many caches the directory keeps (the most recently used). */
  private static final int KEEP_CACHES = 8;

  /** Snapshot jars unused this long are removed. */
  private static final Duration KEEP_SNAPSHOTS = Duration.ofDays(7);

  /** Temporary files (of a training cut short) older than this are removed. */
  private static final Duration KEEP_TEMPORARY = Duration.ofHours(1);

  /** The first four bytes of a HotSpot CDS/AOT archive, as an int in the file's byte order. */
  private static final int CACHE_MAGIC = 0xf00baba2;

  /** The most bytes of class path directory Prism packs into a jar. */
  private static final long SNAPSHOT_LIMIT = 64L << 20;

  /** JVM options under which Prism leaves class data sharing to the user. */
  private static final List<String> USER_MANAGED =
      List.of(
          "-XX:AOTCache",
          "-XX:AOTCacheOutput",
          "-XX:AOTConfiguration",
          "-XX:AOTMode",
          "-XX:SharedArchiveFile",
          "-XX:ArchiveClassesAtExit",
          "-Xshare:off",
          "-javaagent",
          "-agentlib",
          "-agentpath");

  /** Caches (file, size, modification time) this JVM checked and found usable. */
  private static final Set<String> CHECKED = ConcurrentHashMap.newKeySet();

  /** How many installers this JVM started (tests check a cache is reused, not rebuilt). */
  private static final AtomicInteger TRAININGS = new AtomicInteger();

  /** The warnings of nodes that warned about their cache, by node id (tests read them). */
  private static final ConcurrentHashMap<String, List<String>> WARNINGS = new ConcurrentHashMap<>();

  /** A usable cache: its file, and the class path workers use it with. */
  record Ready(Path file, String classpath) {}

  private final NodeConfig config;
  private final Path directory;
  private final List<String> jvmOptions;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CompletableFuture<Optional<Ready>> outcome = new CompletableFuture<>();
  private volatile Ready current;
  private final List<String> warnings = new ArrayList<>();

  /**
   * A node's worker AOT cache; nothing happens until {@link #start()}.
   *
   * @param config the node's configuration
   */
  AotCache(NodeConfig config) {
    this.config = config;
    List<String> options = new ArrayList<>(config.jvmFlags());
    options.addAll(config.workerJvmOptions());
    options.addAll(config.workerExtraJvmOptions());
    this.jvmOptions = List.copyOf(options);
    Optional<String> managed =
        options.stream().filter(o -> USER_MANAGED.stream().anyMatch(o::startsWith)).findFirst();
    if (config.workerAotCache().isPresent() && managed.isPresent()) {
      LOG.debug("workers start without Prism's AOT cache: their options include {}", managed.get());
    }
    this.directory = managed.isPresent() ? null : config.workerAotCache().orElse(null);
  }

  /** Starts looking for (or training) the cache in the background; later calls do nothing. */
  void start() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    if (directory == null) {
      outcome.complete(Optional.empty());
      return;
    }
    // A cache that exists (with its jars) is used from the first worker on, the prestarted ones
    // included: the check in a JVM of its own comes after, in the background, and withdraws it if
    // the JVM cannot use it. A file that is not a JVM cache at all is not used even once.
    Plan plan = null;
    try {
      plan = plan().orElseThrow();
      current = existing(plan).orElse(null);
    } catch (IOException | RuntimeException e) {
      LOG.debug("no quick look at the workers' AOT cache in {}: {}", directory, e.toString());
    }
    Plan planned = plan;
    Thread.ofPlatform()
        .daemon()
        .name(
            "prism-aot-cache-"
                + config.nodeId().substring(0, Math.min(8, config.nodeId().length())))
        .start(
            () -> {
              Optional<Ready> ready = Optional.empty();
              try {
                ready = prepare(planned);
              } catch (IOException | RuntimeException e) {
                warnOnce("the workers' AOT cache in " + directory + " cannot be prepared: " + e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                current = ready.orElse(null);
                outcome.complete(ready);
              }
            });
  }

  /**
   * The cache workers start with now: empty while it is being prepared, when it is off, or when
   * none could be made.
   */
  Optional<Ready> ready() {
    return Optional.ofNullable(current);
  }

  /**
   * Waits until the cache is prepared (or could not be).
   *
   * @param timeout how long to wait
   * @return the cache, or empty
   * @throws TimeoutException if it is still being prepared
   */
  Optional<Ready> await(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The warnings this node logged about its cache (the first one at WARN, any later at DEBUG). */
  synchronized List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * The warnings a node has logged about its workers' cache.
   *
   * @param nodeId the node
   * @return its warnings, none if it logged none
   */
  static List<String> warnings(String nodeId) {
    List<String> w = WARNINGS.get(nodeId);
    return w == null ? List.of() : List.copyOf(w);
  }

  /** How many training runs this JVM has started. */
  static int trainings() {
    return TRAININGS.get();
  }

  /**
   * Options a worker that uses the cache starts with, before the configured ones (which may
   * override them): map the cache at the address it was written for. By default the JVM maps it
   * elsewhere and relocates its pointers, which writes into every page of it: each worker then
   * holds a private copy (measured: proportional memory per actor process 83 MiB with relocation,
   * 66 MiB without, the same CPU time); mapped where it was written, its pages stay shared by all
   * workers of the machine. The JVM still relocates when that address is taken.
   */
  static final List<String> MAPPING_OPTIONS =
      List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");

  /** The worker command line with the cache: its option before the class path, and its jars. */
  List<String> command(Ready ready) {
    List<String> cmd = new ArrayList<>();
    cmd.add(config.javaExecutable().toString());
    cmd.addAll(MAPPING_OPTIONS);
    cmd.addAll(jvmOptions);
    cmd.add("-XX:AOTCache=" + ready.file());
    cmd.add("-cp");
    cmd.add(ready.classpath());
    cmd.add(config.workerMainClass());
    return cmd;
  }

  /**
   * Where the cache of this node's workers is (or will be), and the class path they use it with,
   * with the directories that must be packed into jars first; empty when the cache is off.
   */
  Optional<Plan> plan() throws IOException {
    if (directory == null) {
      return Optional.empty();
    }
    MessageDigest key = sha256();
    Path java = config.javaExecutable();
    update(key, "java", java.toAbsolutePath().toString(), stamp(runtimeImage(java)));
    update(key, "options", String.join("\u0000", jvmOptions), config.workerMainClass());
    List<String> entries = new ArrayList<>();
    Map<Path, Path> snapshots = new LinkedHashMap<>();
    for (String entry : config.classpath().split(File.pathSeparator, -1)) {
      Path path = Path.of(entry.isEmpty() ? "." : entry).toAbsolutePath();
      String used = entry;
      if (Files.isDirectory(path)) {
        Optional<String> content = contentHash(path);
        if (content.isPresent()) {
          Path jar = directory.resolve("cp-" + content.get() + ".jar");
          snapshots.put(path, jar);
          used = jar.toString();
          update(key, "dir", path.toString(), content.get());
        } else {
          update(key, "empty", path.toString());
        }
      } else {
        update(key, "file", path.toString(), stamp(path));
      }
      entries.add(used);
    }
    String name = "worker-" + HexFormat.of().formatHex(key.digest(), 0, 12);
    return Optional.of(
        new Plan(
            directory.resolve(name + ".aot"),
            String.join(File.pathSeparator, entries),
            Map.copyOf(snapshots)));
  }

  /**
   * A cache's place.
   *
   * @param file the cache file
   * @param classpath the workers' class path with it
   * @param snapshots the class path's non-empty directories, each with the jar it is packed into
   */
  record Plan(Path file, String classpath, Map<Path, Path> snapshots) {}

  /** The plan's cache when it and its jars exist and the file starts as a JVM cache does. */
  private static Optional<Ready> existing(Plan plan) throws IOException {
    if (!Files.isRegularFile(plan.file())
        || !plan.snapshots().values().stream().allMatch(Files::isRegularFile)) {
      return Optional.empty();
    }
    byte[] head = new byte[4];
    try (var in = Files.newInputStream(plan.file())) {
      if (in.readNBytes(head, 0, 4) < 4) {
        return Optional.empty();
      }
    }
    int magic = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | head[3] << 24;
    return magic == CACHE_MAGIC
        ? Optional.of(new Ready(plan.file(), plan.classpath()))
        : Optional.empty();
  }

  private Optional<Ready> prepare(Plan planned) throws IOException, InterruptedException {
    Files.createDirectories(directory);
    prune();
    Plan plan = planned != null ? planned : plan().orElseThrow();
    for (Map.Entry<Path, Path> s : plan.snapshots().entrySet()) {
      if (!Files.isRegularFile(s.getValue())) {
        snapshot(s.getKey(), s.getValue());
      }
    }
    Path file = plan.file();
    String classpath = plan.classpath();
    AotCacheInstaller.Job job =
        new AotCacheInstaller.Job(
            file,
            config.javaExecutable().toString(),
            jvmOptions,
            classpath,
            config.workerMainClass());
    if (Files.isRegularFile(file)) {
      String problem = CHECKED.contains(checkedKey(file)) ? null : AotCacheInstaller.check(job);
      if (problem == null) {
        CHECKED.add(checkedKey(file));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        LOG.debug("workers start with the AOT cache {}", file);
        return Optional.of(new Ready(file, classpath));
      }
      current = null;
      warnOnce(
          "the workers' AOT cache "
              + file
              + " cannot be used ("
              + problem
              + "): workers start without it until a new one is trained");
      Files.deleteIfExists(file);
    }
    return install(job);
  }

  /**
   * Trains the cache in an installer process of its own, which outlives this JVM if need be (a
   * short program still leaves a cache for the next), and waits for it.
   */
  private Optional<Ready> install(AotCacheInstaller.Job job)
      throws IOException, InterruptedException {
    Path file = job.file();
    Path log = file.resolveSibling(file.getFileName() + ".install.tmp-" + System.nanoTime());
    long t0 = System.nanoTime();
    TRAININGS.incrementAndGet();
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(job.java());
      cmd.addAll(AotCacheInstaller.OWN_OPTIONS);
      cmd.add("-cp");
      cmd.add(job.classpath());
      cmd.add(AotCacheInstaller.class.getName());
      cmd.addAll(job.toArguments());
      String problem =
          AotCacheInstaller.run(
              cmd, config.workerEnvironment(), log, AotCacheInstaller.TRAIN_TIMEOUT.plusMinutes(1));
      if (problem == null && !Files.isRegularFile(file)) {
        problem = "the installer left no cache: " + AotCacheInstaller.tail(log);
      }
      if (problem != null) {
        warnOnce(
            "could not train the workers' AOT cache "
                + file
                + " ("
                + problem
                + "): workers start without one");
        return Optional.empty();
      }
      CHECKED.add(checkedKey(file));
      LOG.info(
          "the workers' AOT cache {} ({} MiB) is ready after {} ms",
          file,
          Files.size(file) >> 20,
          (System.nanoTime() - t0) / 1_000_000);
      return Optional.of(new Ready(file, job.classpath()));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private synchronized void warnOnce(String message) {
    if (warnings.isEmpty()) {
      LOG.warn(message);
    } else {
      LOG.debug(message);
    }
    warnings.add(message);
    WARNINGS
        .computeIfAbsent(config.nodeId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(message);
  }

  /**
   * A hash of a directory's files (paths, sizes, modification times); empty when it has none.
   *
   * @throws IOException if it holds more than {@link #SNAPSHOT_LIMIT} bytes (no jar is made of a
   *     directory that large, e.g. a project root given as {@code .})
   */
  private static Optional<String> contentHash(Path dir) throws IOException {
    MessageDigest md = sha256();
    int files = 0;
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted().toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          files++;
          bytes += a.size();
          if (bytes > SNAPSHOT_LIMIT) {
            throw new IOException(
                "the class path directory "
                    + dir
                    + " holds more than "
                    + (SNAPSHOT_LIMIT >> 20)
                    + " MiB: too much to pack into a jar for the cache");
          }
          update(
              md,
              dir.relativize(p).toString(),
              Long.toString(a.size()),
              a.lastModifiedTime().toString());
        }
      }
    }
    return files == 0
        ? Optional.empty()
        : Optional.of(HexFormat.of().formatHex(md.digest(), 0, 12));
  }

  /** Packs a directory's files into a jar (written aside, then renamed into place). */
  private static void snapshot(Path dir, Path jar) throws IOException {
    Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp-" + System.nanoTime());
    try {
      try (OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(out);
          Stream<Path> walk = Files.walk(dir)) {
        zip.setLevel(Deflater.BEST_SPEED);
        for (Path p : walk.sorted().toList()) {
          if (p.equals(dir)) {
            continue;
          }
          String name = dir.relativize(p).toString().replace(File.separatorChar, '/');
          boolean isDir = Files.isDirectory(p);
          ZipEntry e = new ZipEntry(isDir ? name + "/" : name);
          e.setLastModifiedTime(Files.getLastModifiedTime(p));
          zip.putNextEntry(e);
          if (!isDir) {
            Files.copy(p, zip);
          }
          zip.closeEntry();
        }
      }
      Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Removes old caches (beyond the most recent few), old snapshots, and leftover temporaries. */
  private void prune() throws IOException {
    List<Path> caches = new ArrayList<>();
    Instant now = Instant.now();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        try {
          Instant modified = Files.getLastModifiedTime(f).toInstant();
          if (n.contains(".tmp-") || n.contains(".check-")) {
            if (modified.isBefore(now.minus(KEEP_TEMPORARY))) {
              Files.deleteIfExists(f);
            }
          } else if (n.startsWith("cp-") && n.endsWith(".jar")) {
            if (modified.isBefore(now.minus(KEEP_SNAPSHOTS))) {
              Files.deleteIfExists(f);
            }
          } else if (n.startsWith("worker-") && n.endsWith(".aot")) {
            caches.add(f);
          }
        } catch (NoSuchFileException e) {
          // another node pruned it first
        }
      }
    }
    if (caches.size() > KEEP_CACHES) {
      caches.sort(Comparator.comparing(AotCache::modifiedOrEpoch).reversed());
      for (Path old : caches.subList(KEEP_CACHES, caches.size())) {
        Files.deleteIfExists(old);
        String n = old.getFileName().toString();
        Files.deleteIfExists(old.resolveSibling(n.substring(0, n.length() - 4) + ".lock"));
      }
    }
  }

  private static Instant modifiedOrEpoch(Path p) {
    try {
      return Files.getLastModifiedTime(p).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }

  /** The runtime image of a {@code java} launcher ({@code <home>/lib/modules}), or the launcher. */
  private static Path runtimeImage(Path java) {
    Path home = java.toAbsolutePath().getParent();
    Path modules =
        home == null || home.getParent() == null ? null : home.getParent().resolve("lib/modules");
    return modules != null && Files.isRegularFile(modules) ? modules : java;
  }

  /** A file's size and modification time, or "missing". */
  private static String stamp(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return a.size() + "@" + a.lastModifiedTime();
    } catch (IOException e) {
      return "missing";
    }
  }

  /** A cache file's identity: path, file key (inode), size; touching it keeps the identity. */
  static String checkedKey(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return file.toAbsolutePath() + "|" + a.fileKey() + "|" + a.size() + "|" + a.creationTime();
    } catch (IOException e) {
      return file.toAbsolutePath() + "|missing";
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static void update(MessageDigest md, String... parts) {
    for (String part : parts) {
      md.update(part.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
  }
}
