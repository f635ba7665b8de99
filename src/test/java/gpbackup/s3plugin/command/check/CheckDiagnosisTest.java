package gpbackup.s3plugin.command.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import gpbackup.s3plugin.s3.S3Endpoint;
import gpbackup.s3plugin.s3.S3Exception;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The checklist line and fix for each way a request of {@code check} fails. */
class CheckDiagnosisTest {
    private final CheckDiagnosis diagnosis = new CheckDiagnosis(
            new S3Endpoint("https", "s3.example.com:9443", "b", true), "AKIDEXAMPLE", "environment variables");

    private static S3Exception transport(Throwable cause) {
        return new S3Exception("list s3://b/f/ failed", cause);
    }

    @Test
    void aNameTheJdkCannotResolveIsAnUnresolvedHostNotARefusal() {
        ConnectException refused = new ConnectException();
        refused.initCause(new UnresolvedAddressException());
        CheckResult result = diagnosis.of("bucket", "s3:ListBucket", "s3://b/f/", transport(refused));
        assertEquals("✗ bucket: unresolved host: 's3.example.com' is not known to this host's DNS",
                result.text().lines().findFirst().orElseThrow());
    }

    @Test
    void aClosedPortIsAConnectionRefused() {
        CheckResult result = diagnosis.of("bucket", "s3:ListBucket", "s3://b/f/",
                transport(new ConnectException("Connection refused")));
        assertTrue(result.text().startsWith("✗ bucket: connection refused by https://s3.example.com:9443"),
                result.text());
    }

    @Test
    void accessDeniedNamesThePermissionAndTheResource() {
        CheckResult result = diagnosis.of("write", "s3:PutObject", "s3://b/f/",
                new S3Exception("upload failed: access denied", 403, "AccessDenied"));
        assertEquals("✗ write: AccessDenied: key id 'AKIDEXAMPLE' may not write s3://b/f/\n"
                + "    fix: grant s3:PutObject on s3://b/f/ to the user or role of 'AKIDEXAMPLE' (bucket policy or IAM"
                + " policy)", result.text());
    }

    @Test
    void aWrongSecretNamesWhereTheKeysCameFrom() {
        CheckResult result = diagnosis.of("bucket", "s3:ListBucket", "s3://b/f/",
                new S3Exception("rejected", 403, "SignatureDoesNotMatch"));
        assertTrue(result.text().contains("(environment variables)"), result.text());
    }

    @Test
    void anUnknownTransportFailureKeepsTheEnginesMessage() {
        CheckResult result = diagnosis.of("bucket", "s3:ListBucket", "s3://b/f/", transport(new IOException("odd")));
        assertTrue(result.text().startsWith("✗ bucket: list s3://b/f/ failed"), result.text());
    }

    @Test
    void durationsReadAsHoursMinutesSeconds() {
        assertEquals("2 h 5 min 3 s", ServerClock.describe(Duration.ofSeconds(2 * 3600 + 5 * 60 + 3)));
        assertEquals("1 min 0 s", ServerClock.describe(Duration.ofMinutes(1)));
        assertEquals("40 s", ServerClock.describe(Duration.ofSeconds(40)));
    }
}
