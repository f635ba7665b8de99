package gpbackup.s3plugin.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rules for the options that say how backups are stored: server-side encryption (SSE-S3,
 * SSE-KMS, SSE-C), storage class and Object Lock. Reads the SSE-C key from its file or
 * environment variable; no message ever quotes the key or the file's content.
 */
final class StorageRules {
    static final String SERVER_SIDE_ENCRYPTION = "server_side_encryption";
    static final String SSE_KMS_KEY_ID = "sse_kms_key_id";
    static final String SSE_KMS_ENCRYPTION_CONTEXT = "sse_kms_encryption_context";
    static final String SSE_BUCKET_KEY = "sse_bucket_key";
    static final String SSE_CUSTOMER_KEY_FILE = "sse_customer_key_file";
    static final String SSE_CUSTOMER_KEY_ENV = "sse_customer_key_env";
    static final String STORAGE_CLASS = "storage_class";
    static final String OBJECT_LOCK_MODE = "object_lock_mode";
    static final String OBJECT_LOCK_RETAIN_DAYS = "object_lock_retain_days";

    static final List<String> OPTIONS = List.of(SERVER_SIDE_ENCRYPTION, SSE_KMS_KEY_ID, SSE_KMS_ENCRYPTION_CONTEXT,
            SSE_BUCKET_KEY, SSE_CUSTOMER_KEY_FILE, SSE_CUSTOMER_KEY_ENV, STORAGE_CLASS, OBJECT_LOCK_MODE,
            OBJECT_LOCK_RETAIN_DAYS);

    /** S3's storage classes (PutObject's x-amz-storage-class). */
    static final List<String> STORAGE_CLASSES = List.of("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA",
            "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW",
            "EXPRESS_ONEZONE");

    /** S3 takes retention up to 100 years. */
    static final int MAX_RETAIN_DAYS = 36_500;

    private static final String UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    private static final String MULTI_REGION_ID = "mrk-[0-9a-fA-F]{32}";
    private static final String ALIAS = "alias/[a-zA-Z0-9/_-]{1,250}";
    /** A key id, a multi-region key id, an alias, or an ARN of either (any partition). */
    private static final Pattern KMS_KEY_ID = Pattern.compile("(" + UUID + "|" + MULTI_REGION_ID + "|" + ALIAS
            + "|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/(" + UUID + "|" + MULTI_REGION_ID + ")|" + ALIAS + "))");
    /**
     * A key name of an S3-compatible store's KMS (Ceph's Vault, KMIP and testing backends, MinIO's
     * KES: {@code my-backup-key}): visible ASCII without whitespace, since it travels as a signed
     * header value, which cannot hold a control character and whose spaces a proxy may fold.
     */
    private static final Pattern COMPATIBLE_KMS_KEY_ID = Pattern.compile("\\p{Graph}+");
    /** The host of an {@code endpoint} written as host, host:port or http[s]://host[:port][/]. */
    private static final Pattern ENDPOINT_HOST = Pattern.compile("(?i)(?:https?://)?([^/:]*).*");
    /** Padded base64, as {@code openssl rand -base64} and {@code base64} write it. */
    private static final Pattern BASE64 = Pattern.compile("([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int KEY_BYTES = 32;
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final Function<String, Optional<String>> options;
    private final Function<String, String> environment;
    private final Problems problems;
    private final boolean awsEndpoint;

    /**
     * @param options     an option's text; empty when absent or empty
     * @param environment looks up the variable {@code sse_customer_key_env} names
     * @param endpoint    the config's {@code endpoint}: empty for AWS
     */
    StorageRules(Function<String, Optional<String>> options, Function<String, String> environment, Problems problems,
            Optional<String> endpoint) {
        this.options = options;
        this.environment = environment;
        this.problems = problems;
        this.awsEndpoint = endpoint.map(StorageRules::isAwsHost).orElse(true);
    }

    /**
     * An endpoint at amazonaws.com (a regional, FIPS or VPC endpoint) is AWS's KMS all the same,
     * so it keeps AWS's key shapes: there a bare name would fail every upload, not the config.
     */
    private static boolean isAwsHost(String endpoint) {
        Matcher host = ENDPOINT_HOST.matcher(endpoint.strip());
        String name = host.matches() ? host.group(1).toLowerCase(Locale.ROOT) : "";
        return name.endsWith(".amazonaws.com") || name.endsWith(".amazonaws.com.cn");
    }

    StorageOptions apply() {
        Optional<String> sse = serverSideEncryption();
        boolean kms = sse.filter("aws:kms"::equals).isPresent();
        Optional<String> kmsKeyId = kmsOnly(SSE_KMS_KEY_ID, kms).flatMap(this::kmsKeyId);
        Map<String, String> context = kmsOnly(SSE_KMS_ENCRYPTION_CONTEXT, kms).map(this::encryptionContext)
                .orElse(Map.of());
        Optional<Boolean> bucketKey = kmsOnly(SSE_BUCKET_KEY, kms)
                .flatMap(text -> ConfigRules.onOffAnyCase(SSE_BUCKET_KEY, text, problems));
        Optional<CustomerKey> customerKey = customerKey();
        if (customerKey.isPresent() && sse.isPresent()) {
            problems.add(SERVER_SIDE_ENCRYPTION + " and SSE-C (" + SSE_CUSTOMER_KEY_FILE + " or "
                    + SSE_CUSTOMER_KEY_ENV + ") exclude each other: an object has one kind of encryption");
        }
        Optional<String> storageClass = options.apply(STORAGE_CLASS).flatMap(text -> oneOf(STORAGE_CLASS, text,
                STORAGE_CLASSES, " is not an S3 storage class (valid: " + String.join(", ", STORAGE_CLASSES) + ")"));
        Optional<String> lockMode = options.apply(OBJECT_LOCK_MODE).flatMap(text -> oneOf(OBJECT_LOCK_MODE, text,
                List.of("GOVERNANCE", "COMPLIANCE"), " must be GOVERNANCE or COMPLIANCE"));
        int retainDays = options.apply(OBJECT_LOCK_RETAIN_DAYS).map(this::retainDays).orElse(0);
        boolean modeWritten = options.apply(OBJECT_LOCK_MODE).isPresent();
        boolean daysWritten = options.apply(OBJECT_LOCK_RETAIN_DAYS).isPresent();
        if (modeWritten && !daysWritten) {
            problems.add(OBJECT_LOCK_MODE + " needs " + OBJECT_LOCK_RETAIN_DAYS + " (how many days each object stays locked)");
        }
        if (daysWritten && !modeWritten) {
            problems.add(OBJECT_LOCK_RETAIN_DAYS + " needs " + OBJECT_LOCK_MODE + " (GOVERNANCE or COMPLIANCE)");
        }
        return new StorageOptions(sse, kmsKeyId, context, bucketKey, customerKey, storageClass,
                lockMode.filter(m -> retainDays > 0), lockMode.isPresent() ? retainDays : 0);
    }

    /** The value in S3's spelling, whatever case it was written in. */
    private Optional<String> serverSideEncryption() {
        return options.apply(SERVER_SIDE_ENCRYPTION).flatMap(text -> {
            Optional<String> value = Stream.of("AES256", "aws:kms").filter(text::equalsIgnoreCase).findFirst();
            if (value.isEmpty()) {
                problems.add(SERVER_SIDE_ENCRYPTION + ": " + SafeText.quoted(text) + " must be AES256 (SSE-S3) or"
                        + " aws:kms (SSE-KMS); for SSE-C set " + SSE_CUSTOMER_KEY_FILE + " or " + SSE_CUSTOMER_KEY_ENV);
            }
            return value;
        });
    }

    /** The option's text; written without {@code aws:kms} it is a problem, but its value is still checked. */
    private Optional<String> kmsOnly(String name, boolean kms) {
        Optional<String> text = options.apply(name);
        if (text.isPresent() && !kms) {
            problems.add(name + " needs " + SERVER_SIDE_ENCRYPTION + ": aws:kms");
        }
        return text;
    }

    private Optional<String> kmsKeyId(String id) {
        if (awsEndpoint && !KMS_KEY_ID.matcher(id).matches()) {
            return refused(SSE_KMS_KEY_ID + ": " + SafeText.quoted(id) + " is not a KMS key id (a UUID or mrk-…),"
                    + " an alias (alias/NAME) or an ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or …:alias/NAME);"
                    + " plain key names are taken only with the endpoint of an S3-compatible store");
        }
        // Another store's KMS names its keys as it likes; only what cannot be a header is refused.
        if (!awsEndpoint && !COMPATIBLE_KMS_KEY_ID.matcher(id).matches()) {
            return refused(SSE_KMS_KEY_ID + ": " + SafeText.quoted(id) + " is not a KMS key name (printable"
                    + " ASCII characters without spaces, such as my-backup-key)");
        }
        return Optional.of(id);
    }

    /**
     * {@code name=value} pairs separated by commas: gpbackup reads every option as a single
     * string, so a YAML mapping cannot be given here.
     */
    private Map<String, String> encryptionContext(String text) {
        Map<String, String> context = new LinkedHashMap<>();
        for (String pair : text.split(",", -1)) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? "" : pair.substring(0, equals).strip();
            if (name.isEmpty()) {
                problems.add(SSE_KMS_ENCRYPTION_CONTEXT + ": " + SafeText.quoted(pair.strip())
                        + " is not name=value (write the context as name=value,name=value)");
                return Map.of();
            }
            if (context.put(name, pair.substring(equals + 1).strip()) != null) {
                problems.add(SSE_KMS_ENCRYPTION_CONTEXT + ": '" + SafeText.shown(name) + "' is given twice");
                return Map.of();
            }
        }
        return context;
    }

    private Optional<CustomerKey> customerKey() {
        Optional<String> file = options.apply(SSE_CUSTOMER_KEY_FILE);
        Optional<String> variable = options.apply(SSE_CUSTOMER_KEY_ENV);
        if (file.isPresent() && variable.isPresent()) {
            return refused(SSE_CUSTOMER_KEY_FILE + " and " + SSE_CUSTOMER_KEY_ENV + " exclude each other: set one");
        }
        return file.isPresent() ? keyFromFile(file.get()) : variable.flatMap(this::keyFromEnvironment);
    }

    /**
     * The file holds the key's 32 raw bytes ({@code openssl rand 32}) or the key in base64
     * ({@code openssl rand -base64 32}); a file of exactly 32 bytes is taken raw. Only its
     * owner may read it, as ssh insists for private keys.
     */
    private Optional<CustomerKey> keyFromFile(String written) {
        String source = "file " + SafeText.shown(written);
        String what = SSE_CUSTOMER_KEY_FILE + " " + SafeText.quoted(written);
        Path path = Path.of(written);
        byte[] content;
        try {
            if (!Files.isRegularFile(path)) {
                return refused(what + ": " + (Files.exists(path) ? "is not a regular file" : "does not exist"));
            }
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                if (permissions.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                    return refused(what + ": group or others may read or write it; make it readable by its owner"
                            + " only (chmod 600)");
                }
            } catch (UnsupportedOperationException notPosix) {
                // A file system without POSIX permissions has nothing to check.
            }
            if (Files.size(path) > 1024) {
                return refused(what + ": is too large for an SSE-C key (32 bytes, or 44 characters of base64)");
            }
            content = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return refused(what + ": does not exist");
        } catch (IOException | SecurityException e) {
            return refused(what + ": cannot be read (" + SafeText.oneLine(e.getClass().getSimpleName()) + ")");
        }
        if (content.length == KEY_BYTES) {
            return Optional.of(new CustomerKey(Base64.getEncoder().encodeToString(content), source));
        }
        String text = new String(content, StandardCharsets.ISO_8859_1).strip();
        if (!BASE64.matcher(text).matches()) {
            return refused(what + ": the file holds " + content.length + " bytes; SSE-C needs a key of 32 raw bytes"
                    + " or 32 bytes in base64 (44 characters)");
        }
        return fromBase64(text, what, source);
    }

    /** An environment variable holds text, so the key is in base64 there. */
    private Optional<CustomerKey> keyFromEnvironment(String name) {
        String what = SSE_CUSTOMER_KEY_ENV + " " + SafeText.quoted(name);
        if (!ENV_NAME.matcher(name).matches()) {
            return refused(what + ": is not an environment variable name");
        }
        String value = environment.apply(name);
        if (value == null || value.isBlank()) {
            return refused(what + ": the environment variable is not set");
        }
        return fromBase64(value.strip(), what, "environment variable " + name);
    }

    private Optional<CustomerKey> fromBase64(String text, String what, String source) {
        if (text.isEmpty() || !BASE64.matcher(text).matches()) {
            return refused(what + ": the key is not base64");
        }
        byte[] key = Base64.getDecoder().decode(text);
        if (key.length != KEY_BYTES) {
            return refused(what + ": the key has " + key.length + " bytes; SSE-C needs 32 (256 bits)");
        }
        return Optional.of(new CustomerKey(Base64.getEncoder().encodeToString(key), source));
    }

    /** {@code text} in upper case when it is one of {@code allowed} in any case; else {@code problem} follows the text. */
    private Optional<String> oneOf(String option, String text, List<String> allowed, String problem) {
        String upper = text.toUpperCase(Locale.ROOT);
        if (allowed.contains(upper)) {
            return Optional.of(upper);
        }
        return refused(option + ": " + SafeText.quoted(text) + problem);
    }

    private int retainDays(String text) {
        if (!text.matches("[+-]?[0-9]{1,10}")) {
            problems.add(OBJECT_LOCK_RETAIN_DAYS + ": " + SafeText.quoted(text) + " is not a whole number of days");
            return 0;
        }
        long days = Long.parseLong(text);
        if (days < 1 || days > MAX_RETAIN_DAYS) {
            problems.add(OBJECT_LOCK_RETAIN_DAYS + ": " + SafeText.quoted(text) + " is out of range (allowed 1 to "
                    + MAX_RETAIN_DAYS + " days)");
            return 0;
        }
        return (int) days;
    }

    /** Records the problem; the option then takes no value. */
    private <T> Optional<T> refused(String problem) {
        problems.add(problem);
        return Optional.empty();
    }
}
