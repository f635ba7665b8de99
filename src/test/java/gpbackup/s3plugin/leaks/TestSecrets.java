package gpbackup.s3plugin.leaks;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The secrets the suite hands the plugin, in one place, so that {@link NoSecretInOutputs} knows what
 * must never appear in anything the suite's runs printed or logged. A test that gives the plugin a
 * new secret adds it here (and to {@link #all()}), or the scan cannot see it leak.
 */
public final class TestSecrets {
    /** The secret access key S3Proxy, the end-to-end tests' server, is run with. */
    public static final String S3PROXY_SECRET_KEY = "it-secret-key-do-not-print";
    /** The secret access key of the Ceph RGW user the end-to-end tests create (it/RgwServer). */
    public static final String RGW_SECRET_KEY = "rgw-it-secret-key-do-not-print";
    /** The secret access key WireMock's S3 fakes verify signatures with. */
    public static final String WIREMOCK_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY";
    /** A session token handed out by a credential source (credential_process, STS). */
    public static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjSESSIONTOKENFROMSOURCE";
    /** A projected service-account token, as Kubernetes IRSA mounts it. */
    public static final String WEB_IDENTITY_TOKEN = "eyJhbGciOiJSUzI1NiJ9.PROJECTEDSERVICEACCOUNTTOKEN.sig";
    /** The secret key and session token the bad-input tests put in the config. */
    public static final String BAD_INPUT_SECRET_KEY = "bad+input/SECRET/key/0123456789abcdefABCDEF";
    public static final String BAD_INPUT_SESSION_TOKEN = "bad-input-SESSION-TOKEN-5e55i0n";
    /** The keys a fake credential_process prints. */
    public static final String PROCESS_SECRET_KEY = "process-secret-wJalrXUtnFEMI";
    public static final String PROCESS_SESSION_TOKEN = "process-session-token-IQoJb3";
    /** AWS's documented example secret key, which the signing vectors and unit fakes sign with. */
    public static final String AWS_EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    /** The secret key the config-loading tests write into YAML. */
    public static final String CONFIG_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRET42";

    /** The plaintext data key the KMS fakes hand out (GenerateDataKey, Decrypt). */
    private static final byte[] KMS_DATA_KEY = "KMS-PLAINTEXT-DATA-KEY-32-BYTES!".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] SSE_C_KEY = "0123456789abcdef0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** The client-side encryption master keys of the sealing tests: the current one and the one before it. */
    private static final byte[] CSE_KEY = "cse-master-key-current-0123456!!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CSE_OLD_KEY = "cse-master-key-retired-6543210??".getBytes(StandardCharsets.US_ASCII);

    private TestSecrets() {
    }

    /** The 256-bit SSE-C customer key of the storage-policy tests (a fresh copy). */
    public static byte[] sseCustomerKey() {
        return SSE_C_KEY.clone();
    }

    /** The 32-byte plaintext data key of the KMS fakes (a fresh copy). */
    public static byte[] kmsDataKey() {
        return KMS_DATA_KEY.clone();
    }

    /** The SSE-C key as S3 wants it in x-amz-server-side-encryption-customer-key. */
    public static String sseCustomerKeyBase64() {
        return Base64.getEncoder().encodeToString(SSE_C_KEY);
    }

    /** The current client-side encryption master key, 32 bytes (a fresh copy). */
    public static byte[] cseKey() {
        return CSE_KEY.clone();
    }

    /** A retired client-side encryption master key, 32 bytes (a fresh copy): it still opens old backups. */
    public static byte[] cseOldKey() {
        return CSE_OLD_KEY.clone();
    }

    /** A secret the scan looks for: its name (printed instead of it) and its value. */
    public record Secret(String name, byte[] value) {
        public static Secret of(String name, String value) {
            return new Secret(name, value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every secret above, named. */
    public static List<Secret> all() {
        return List.of(
                Secret.of("S3Proxy secret key", S3PROXY_SECRET_KEY),
                Secret.of("RGW secret key", RGW_SECRET_KEY),
                Secret.of("WireMock secret key", WIREMOCK_SECRET_KEY),
                Secret.of("session token", SESSION_TOKEN),
                Secret.of("web identity token", WEB_IDENTITY_TOKEN),
                Secret.of("bad-input secret key", BAD_INPUT_SECRET_KEY),
                Secret.of("bad-input session token", BAD_INPUT_SESSION_TOKEN),
                Secret.of("credential_process secret key", PROCESS_SECRET_KEY),
                Secret.of("credential_process session token", PROCESS_SESSION_TOKEN),
                Secret.of("AWS example secret key", AWS_EXAMPLE_SECRET_KEY),
                Secret.of("config-loading secret key", CONFIG_SECRET_KEY),
                new Secret("SSE-C key", sseCustomerKey()),
                new Secret("KMS data key", kmsDataKey()),
                new Secret("CSE key", cseKey()),
                Secret.of("CSE key, base64", Base64.getEncoder().encodeToString(CSE_KEY)),
                new Secret("retired CSE key", cseOldKey()),
                Secret.of("retired CSE key, base64", Base64.getEncoder().encodeToString(CSE_OLD_KEY)));
    }
}
