package dev.prism.runtime.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * TLS between the processes of a cluster: the PEM files of this process's certificate, its private
 * key, and the certificate authority that every peer's certificate must be signed by. When a
 * process has one ({@link #process()}), every gRPC server and channel it builds uses TLS with both
 * sides authenticated (each presents its certificate, each checks the other's against the CA, and a
 * server's certificate must name {@value #SERVER_NAME}); objects then move between nodes over that
 * TLS gRPC stream instead of the plain-TCP data port. A plain-text peer cannot talk to it, nor can
 * a peer whose certificate another CA signed. The cluster token is still checked on every call.
 *
 * <p>A process takes its files from {@value #ENV_CERT}, {@value #ENV_KEY} and {@value #ENV_CA} (all
 * three or none), or from {@code prism start}'s {@code --tls-cert}, {@code --tls-key}, {@code
 * --tls-ca}; {@code prism start --head --tls} without files {@link #generate generates} a
 * certificate for the cluster into its session directory. Node managers give their files to their
 * workers in the same variables.
 *
 * @param cert this process's certificate chain (PEM)
 * @param key its private key (PKCS#8 PEM)
 * @param ca the certificate authority peers must be signed by (PEM)
 */
public record TlsConfig(Path cert, Path key, Path ca) {

  /** The variable naming this process's certificate file. */
  public static final String ENV_CERT = "PRISM_TLS_CERT";

  /** The variable naming this process's private key file. */
  public static final String ENV_KEY = "PRISM_TLS_KEY";

  /** The variable naming the certificate authority's file. */
  public static final String ENV_CA = "PRISM_TLS_CA";

  /** The name a server's certificate must carry (a DNS subject alternative name). */
  public static final String SERVER_NAME = "prism-cluster";

  /** The generated certificate's file name in a session directory. */
  public static final String CERT_FILE = "tls_cert.pem";

  /** The generated key's file name in a session directory. */
  public static final String KEY_FILE = "tls_key.pem";

  /** The generated authority's file name (the self-signed certificate again). */
  public static final String CA_FILE = "tls_ca.pem";

  private static volatile Optional<TlsConfig> forThisProcess;

  /**
   * Checks that the three files can be read.
   *
   * @param cert the certificate
   * @param key the key
   * @param ca the authority
   * @throws SecurityConfigException naming a file that is missing or unreadable
   */
  public TlsConfig {
    cert = readable(cert, "certificate");
    key = readable(key, "private key");
    ca = readable(ca, "certificate authority");
  }

  private static Path readable(Path file, String what) {
    if (file == null) {
      throw new SecurityConfigException("no TLS " + what + " file was given");
    }
    Path abs = file.toAbsolutePath();
    if (!Files.isReadable(abs)) {
      throw new SecurityConfigException(
          "the TLS " + what + " file " + abs + " does not exist or cannot be read");
    }
    return abs;
  }

  /**
   * The TLS files named by the environment: all three variables, or none.
   *
   * @param env the environment
   * @return the files, or empty when none of the variables is set
   * @throws SecurityConfigException when only some are set, or a file cannot be read
   */
  public static Optional<TlsConfig> fromEnvironment(Map<String, String> env) {
    List<String> set = new ArrayList<>();
    List<String> unset = new ArrayList<>();
    for (String name : List.of(ENV_CERT, ENV_KEY, ENV_CA)) {
      String v = env.get(name);
      (v == null || v.isBlank() ? unset : set).add(name);
    }
    if (set.isEmpty()) {
      return Optional.empty();
    }
    if (!unset.isEmpty()) {
      throw new SecurityConfigException(
          "TLS needs all of "
              + ENV_CERT
              + ", "
              + ENV_KEY
              + " and "
              + ENV_CA
              + "; "
              + String.join(", ", set)
              + " set but not "
              + String.join(", ", unset));
    }
    return Optional.of(
        new TlsConfig(
            Path.of(env.get(ENV_CERT).strip()),
            Path.of(env.get(ENV_KEY).strip()),
            Path.of(env.get(ENV_CA).strip())));
  }

  /**
   * This process's TLS files: those set by {@link #useForThisProcess}, else those of the
   * environment ({@link #fromEnvironment}), read once.
   *
   * @return the files, or empty for plain text
   * @throws SecurityConfigException when the environment names them badly
   */
  public static Optional<TlsConfig> process() {
    Optional<TlsConfig> t = forThisProcess;
    if (t == null) {
      synchronized (TlsConfig.class) {
        t = forThisProcess;
        if (t == null) {
          t = fromEnvironment(System.getenv());
          forThisProcess = t;
        }
      }
    }
    return t;
  }

  /**
   * Sets this process's TLS files (the command line's options), before it builds any channel.
   *
   * @param tls the files, or empty for plain text
   */
  public static void useForThisProcess(Optional<TlsConfig> tls) {
    forThisProcess = tls;
  }

  /**
   * The variables that give these files to a child process.
   *
   * @return {@value #ENV_CERT}, {@value #ENV_KEY} and {@value #ENV_CA}
   */
  public Map<String, String> environment() {
    return Map.of(ENV_CERT, cert.toString(), ENV_KEY, key.toString(), ENV_CA, ca.toString());
  }

  /**
   * Generates the cluster's certificate for its server name only; see {@link #generate(Path,
   * List)}.
   *
   * @param dir the directory
   * @return the files
   * @throws SecurityConfigException when they cannot be made
   */
  public static TlsConfig generate(Path dir) {
    return generate(dir, List.of());
  }

  /**
   * Generates a certificate for a cluster: a new EC P-256 key and a self-signed certificate naming
   * {@value #SERVER_NAME} (valid 10 years), written to {@code dir} as {@value #CERT_FILE}, {@value
   * #KEY_FILE} (readable by this user only) and {@value #CA_FILE}. Every process of the cluster
   * uses these same files: copy them to the other machines as the token is copied. Uses the JDK's
   * {@code keytool}.
   *
   * @param dir the directory (the head's session directory)
   * @param addresses more names for the certificate, so that HTTPS clients such as browsers that
   *     check the name in the URL accept it at these addresses (the head's): IP literals become IP
   *     names, others DNS names; may be empty
   * @return the files
   * @throws SecurityConfigException when they cannot be made
   */
  public static TlsConfig generate(Path dir, List<String> addresses) {
    Path store = dir.resolve("tls-" + ProcessHandle.current().pid() + ".p12");
    byte[] pw = new byte[18];
    new SecureRandom().nextBytes(pw);
    String password = HexFormat.of().formatHex(pw);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command =
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            "prism",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-sigalg",
            "SHA256withECDSA",
            "-dname",
            "CN=" + SERVER_NAME,
            "-ext",
            subjectAlternativeNames(addresses),
            "-ext",
            "BC:c=ca:true",
            "-validity",
            "3650",
            "-keystore",
            store.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            password,
            "-keypass",
            password);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new SecurityConfigException(
            "cannot generate the cluster's TLS certificate with " + keytool + ": " + out.strip());
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, password.toCharArray());
      }
      PrivateKey key = (PrivateKey) ks.getKey("prism", password.toCharArray());
      Certificate cert = ks.getCertificate("prism");
      Path certFile = dir.resolve(CERT_FILE);
      Path keyFile = dir.resolve(KEY_FILE);
      Path caFile = dir.resolve(CA_FILE);
      String certPem = pem("CERTIFICATE", cert.getEncoded());
      Files.writeString(certFile, certPem, StandardCharsets.US_ASCII);
      Files.writeString(caFile, certPem, StandardCharsets.US_ASCII);
      PrivateFile.write(
          keyFile, pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
      return new TlsConfig(certFile, keyFile, caFile);
    } catch (IOException | GeneralSecurityException e) {
      throw new SecurityConfigException("cannot generate the cluster's TLS certificate: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SecurityConfigException("interrupted while generating a TLS certificate", e);
    } finally {
      try {
        Files.deleteIfExists(store);
      } catch (IOException e) {
        // the store holds nothing the PEM files do not
      }
    }
  }

  private static String subjectAlternativeNames(List<String> addresses) {
    StringBuilder san = new StringBuilder("SAN=dns:" + SERVER_NAME);
    for (String a : addresses) {
      String name = a.strip();
      if (name.isEmpty() || name.equals(SERVER_NAME) || !name.matches("[0-9A-Za-z.:_-]+")) {
        continue; // keytool's syntax has no room for anything else
      }
      boolean ip = name.contains(":") || name.matches("[0-9.]+");
      san.append(ip ? ",ip:" : ",dns:").append(name);
    }
    return san.toString();
  }

  /**
   * The cluster's TLS files kept in a session directory ({@value #CERT_FILE}, {@value #KEY_FILE},
   * {@value #CA_FILE}), when all three are there.
   *
   * @param dir the session directory
   * @return the files, or empty
   */
  public static Optional<TlsConfig> inDirectory(Path dir) {
    Path c = dir.resolve(CERT_FILE);
    Path k = dir.resolve(KEY_FILE);
    Path a = dir.resolve(CA_FILE);
    return Files.isReadable(c) && Files.isReadable(k) && Files.isReadable(a)
        ? Optional.of(new TlsConfig(c, k, a))
        : Optional.empty();
  }

  /**
   * Copies these files into {@code dir} under the names of a session ({@value #CERT_FILE}, {@value
   * #KEY_FILE} readable by this user only, {@value #CA_FILE}), so that drivers and {@code prism
   * status} on this machine find them as they find the token; files already there stay.
   *
   * @param dir the session directory
   * @return the files in {@code dir}
   * @throws SecurityConfigException when they cannot be copied
   */
  public TlsConfig copyTo(Path dir) {
    Path c = dir.resolve(CERT_FILE).toAbsolutePath();
    Path k = dir.resolve(KEY_FILE).toAbsolutePath();
    Path a = dir.resolve(CA_FILE).toAbsolutePath();
    try {
      if (!c.equals(cert)) {
        Files.copy(cert, c, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      if (!a.equals(ca)) {
        Files.copy(ca, a, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      if (!k.equals(key)) {
        PrivateFile.write(k, Files.readAllBytes(key));
      }
    } catch (IOException e) {
      throw new SecurityConfigException("cannot copy the TLS files into " + dir + ": " + e, e);
    }
    return new TlsConfig(c, k, a);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
