package gpbackup.s3plugin.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.SettingException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ca_cert that is missing, empty or not PEM is a clear config error naming the file. */
class TrustedCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingBundleNamesTheFile() {
        Path absent = dir.resolve("absent.pem");
        SettingException e = assertThrows(SettingException.class, () -> TrustedCertificates.withExtraAuthorities(absent));
        assertTrue(e.getMessage().startsWith("cannot read ca_cert " + absent), e.getMessage());
    }

    @Test
    void anEmptyBundleHoldsNoCertificates() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        SettingException e = assertThrows(SettingException.class, () -> TrustedCertificates.withExtraAuthorities(empty));
        assertTrue(e.getMessage().equals("ca_cert " + empty + " holds no PEM certificates"), e.getMessage());
    }

    @Test
    void aFileThatIsNotPemIsRefused() throws Exception {
        Path garbage = Files.writeString(dir.resolve("key.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        SettingException e = assertThrows(SettingException.class, () -> TrustedCertificates.withExtraAuthorities(garbage));
        assertTrue(e.getMessage().startsWith("ca_cert " + garbage + " is not a PEM certificate bundle"), e.getMessage());
    }
}
