package dev.prism.runtime.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared secret of one Prism cluster: every process of the cluster (GCS, node managers,
 * workers, drivers, the command line) presents it on every call, and every server refuses calls
 * without it (see {@link TokenAuth}). Holding the token means being able to run code on the
 * cluster, so it is kept in a file only its user can read ({@link #writeTo}), passed to worker
 * processes through their environment (never their command line, which other users can read), and
 * never printed ({@link #toString()} hides it).
 *
 * <p>Comparisons are constant-time: both sides are hashed (SHA-256) and the digests compared with
 * {@link MessageDigest#isEqual}, so neither the content nor the length of the secret leaks through
 * timing.
 */
public final class ClusterToken {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterToken.class);

  /** The environment variable that carries a token's text (workers get it from their node). */
  public static final String ENV = "PRISM_CLUSTER_TOKEN";

  /** The environment variable that names a file holding a token. */
  public static final String ENV_FILE = "PRISM_CLUSTER_TOKEN_FILE";

  /** The token file's name in a session directory. */
  public static final String FILE_NAME = "cluster_token";

  private static final int RANDOM_BYTES = 32;
  private static final int MIN_LENGTH = 16;
  private static final int MAX_LENGTH = 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String value;
  private final byte[] digest;

  private ClusterToken(String value) {
    this.value = value;
    this.digest = sha256(value.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Returns a fresh random token: 32 bytes from a {@link SecureRandom}, as 64 hex digits.
   *
   * @return the token
   */
  public static ClusterToken generate() {
    byte[] bytes = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(bytes);
    return new ClusterToken(HexFormat.of().formatHex(bytes));
  }

  /**
   * Returns the token with this text (surrounding white space is ignored).
   *
   * @param text the token, e.g. the contents of a {@code cluster_token} file
   * @param source where the text came from, for the error message
   * @return the token
   * @throws SecurityConfigException if the text is shorter than 16 characters, longer than 1024, or
   *     holds characters other than printable ASCII
   */
  public static ClusterToken of(String text, String source) {
    Objects.requireNonNull(text, "text");
    String t = text.strip();
    if (t.length() < MIN_LENGTH || t.length() > MAX_LENGTH) {
      throw new SecurityConfigException(
          "the cluster token from "
              + source
              + " has "
              + t.length()
              + " characters; a token has "
              + MIN_LENGTH
              + " to "
              + MAX_LENGTH
              + " (copy the head's "
              + FILE_NAME
              + " file whole)");
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new SecurityConfigException(
            "the cluster token from "
                + source
                + " holds a character that is not printable ASCII at position "
                + i
                + " (copy the head's "
                + FILE_NAME
                + " file whole)");
      }
    }
    return new ClusterToken(t);
  }

  /**
   * Reads a token file.
   *
   * @param file the file
   * @return the token
   * @throws SecurityConfigException if the file is missing, unreadable or holds no valid token
   */
  public static ClusterToken readFrom(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new SecurityConfigException("the cluster token file " + file + " does not exist");
    } catch (IOException e) {
      throw new SecurityConfigException(
          "cannot read the cluster token file " + file + ": " + e.getMessage(), e);
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        LOG.warn(
            "the cluster token file {} can be read by other users ({}); make it private:"
                + " chmod 600 {}",
            file,
            PosixFilePermissions.toString(perms),
            file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
    return of(text, file.toString());
  }

  /**
   * The token this process uses when none is given explicitly: the environment's {@value #ENV},
   * else the file named by {@value #ENV_FILE}, else a random token made once per JVM (so the
   * servers and clients of an in-process cluster share it, and nobody else has it).
   *
   * @return the token
   * @throws SecurityConfigException if the environment names an invalid token or file
   */
  public static ClusterToken processDefault() {
    ClusterToken t = processDefault;
    if (t == null) {
      synchronized (ClusterToken.class) {
        t = processDefault;
        if (t == null) {
          // an invalid variable throws here, on every call, with its message
          t = fromEnvironment().orElseGet(ClusterToken::generate);
          processDefault = t;
        }
      }
    }
    return t;
  }

  private static volatile ClusterToken processDefault;

  /**
   * The token the environment gives: {@value #ENV}, else the file named by {@value #ENV_FILE}.
   *
   * @return the token, or empty when neither variable is set
   * @throws SecurityConfigException if a variable is set but invalid
   */
  public static java.util.Optional<ClusterToken> fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * The token an environment gives: {@value #ENV}, else the file named by {@value #ENV_FILE}.
   *
   * @param env the environment, e.g. the one a command line was given
   * @return the token, or empty when neither variable is set
   * @throws SecurityConfigException if a variable is set but invalid
   */
  public static java.util.Optional<ClusterToken> fromEnvironment(
      java.util.Map<String, String> env) {
    String text = env.get(ENV);
    if (text != null && !text.isBlank()) {
      return java.util.Optional.of(of(text, "the environment variable " + ENV));
    }
    String file = env.get(ENV_FILE);
    if (file != null && !file.isBlank()) {
      return java.util.Optional.of(readFrom(Path.of(file.strip())));
    }
    return java.util.Optional.empty();
  }

  /**
   * Writes this token to a file only its owner can read and write (mode 0600). The file is written
   * under a temporary name created with those permissions (never readable by others, whatever the
   * umask) and then renamed into place, so readers see the whole token or none.
   *
   * @param file the file (replaced when it exists)
   * @throws SecurityConfigException if the file cannot be written
   */
  public void writeTo(Path file) {
    try {
      PrivateFile.write(file, (value + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new SecurityConfigException(
          "cannot write the cluster token file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether a presented token is this one, in constant time.
   *
   * @param presented the text a peer sent, or null
   * @return true when it is this token
   */
  public boolean matches(String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(presented.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * Whether a presented {@link #digest()} is this token's, in constant time.
   *
   * @param presentedDigest 32 bytes a peer sent
   * @return true when they are this token's digest
   */
  public boolean matchesDigest(byte[] presentedDigest) {
    return presentedDigest != null && MessageDigest.isEqual(digest, presentedDigest);
  }

  /**
   * Returns the token's SHA-256 digest (32 bytes), what the object data port's handshake sends.
   *
   * @return a copy of the digest
   */
  public byte[] digest() {
    return digest.clone();
  }

  /**
   * Returns the secret text, to send to a peer or hand to a child process's environment. Never log
   * it.
   *
   * @return the token's text
   */
  public String secret() {
    return value;
  }

  /**
   * Returns a short, harmless name of this token (8 hex digits of a hash of its digest), to tell
   * tokens apart in messages without revealing them.
   *
   * @return the fingerprint
   */
  public String fingerprint() {
    return HexFormat.of().formatHex(sha256(digest), 0, 4);
  }

  /** Hides the secret: only the {@link #fingerprint()} shows. */
  @Override
  public String toString() {
    return "ClusterToken[" + fingerprint() + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterToken t && MessageDigest.isEqual(digest, t.digest);
  }

  @Override
  public int hashCode() {
    return (digest[0] & 0xff)
        | (digest[1] & 0xff) << 8
        | (digest[2] & 0xff) << 16
        | (digest[3] & 0xff) << 24;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
