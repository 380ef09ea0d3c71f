package dev.prism.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS files: all three or none, readable, and a generated set that names the cluster. */
class TlsConfigTest {

  @Test
  void noVariablesMeanPlainTextAndSomeOfThemAreAClearError(@TempDir Path dir) throws Exception {
    assertThat(TlsConfig.fromEnvironment(Map.of())).isEmpty();
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    assertThatThrownBy(() -> TlsConfig.fromEnvironment(Map.of(TlsConfig.ENV_CERT, cert.toString())))
        .isInstanceOf(SecurityConfigException.class)
        .hasMessageContaining("TLS needs all of PRISM_TLS_CERT, PRISM_TLS_KEY and PRISM_TLS_CA")
        .hasMessageContaining("PRISM_TLS_CERT set but not PRISM_TLS_KEY, PRISM_TLS_CA");
    assertThatThrownBy(
            () ->
                TlsConfig.fromEnvironment(
                    Map.of(
                        TlsConfig.ENV_CERT,
                        cert.toString(),
                        TlsConfig.ENV_KEY,
                        dir.resolve("missing.pem").toString(),
                        TlsConfig.ENV_CA,
                        cert.toString())))
        .isInstanceOf(SecurityConfigException.class)
        .hasMessageContaining("the TLS private key file " + dir.resolve("missing.pem"))
        .hasMessageContaining("does not exist");
  }

  @Test
  void aGeneratedCertificateNamesTheClusterAndItsKeyIsReadableByItsUserOnly(@TempDir Path dir)
      throws Exception {
    TlsConfig t = TlsConfig.generate(dir);
    assertThat(t.cert()).isEqualTo(dir.resolve(TlsConfig.CERT_FILE));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(t.key())))
        .isEqualTo("rw-------");
    assertThat(Files.readString(t.key())).startsWith("-----BEGIN PRIVATE KEY-----");
    X509Certificate c;
    try (InputStream in = Files.newInputStream(t.cert())) {
      c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertThat(c.getSubjectAlternativeNames())
        .contains(List.of(2, TlsConfig.SERVER_NAME)); // 2: a DNS name
    c.verify(c.getPublicKey()); // self-signed: it is its own authority
    assertThat(Files.readString(t.ca())).isEqualTo(Files.readString(t.cert()));
    assertThat(t.environment())
        .containsEntry(TlsConfig.ENV_CERT, t.cert().toString())
        .containsEntry(TlsConfig.ENV_CA, t.ca().toString());
    assertThat(dir.toFile().list()).as("no keystore left behind").hasSize(3);
  }

  @Test
  void filesCopiedIntoASessionAreFoundThereWithTheKeyKeptPrivate(@TempDir Path dir)
      throws Exception {
    TlsConfig made = TlsConfig.generate(Files.createDirectories(dir.resolve("head")));
    Path session = Files.createDirectories(dir.resolve("session"));
    assertThat(TlsConfig.inDirectory(session)).isEmpty();
    TlsConfig copied = made.copyTo(session);
    assertThat(TlsConfig.inDirectory(session)).contains(copied);
    assertThat(Files.readString(copied.key())).isEqualTo(Files.readString(made.key()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied.key())))
        .isEqualTo("rw-------");
    assertThat(made.copyTo(dir.resolve("head"))).as("files already there stay").isEqualTo(made);
  }
}
