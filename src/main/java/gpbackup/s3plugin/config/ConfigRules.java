package gpbackup.s3plugin.config;

import gpbackup.s3plugin.seal.KeyRing;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/** The plugin's rules for option text: what is required, what each value may be, and the defaults. */
final class ConfigRules {

    static final String REGION = "region";
    static final String ENDPOINT = "endpoint";
    static final String ACCESS_KEY_ID = "aws_access_key_id";
    static final String SECRET_ACCESS_KEY = "aws_secret_access_key";
    /** Temporary static keys carry a token; it is meaningless without both keys. */
    static final String SESSION_TOKEN = "aws_session_token";
    static final String BUCKET = "bucket";
    static final String FOLDER = "folder";
    static final String ENCRYPTION = "encryption";
    static final String HTTP_PROXY = "http_proxy";
    static final String BACKUP_CONCURRENCY = "backup_max_concurrent_requests";
    static final String BACKUP_PART_SIZE = "backup_multipart_chunksize";
    static final String RESTORE_CONCURRENCY = "restore_max_concurrent_requests";
    static final String RESTORE_PIECE_SIZE = "restore_multipart_chunksize";
    static final String MAX_REQUEST_RETRIES = "max_request_retries";
    static final String RESTORE_SUBSET = "restore_subset";
    static final String AGENT = "agent";
    static final String AGENT_IDLE_TIMEOUT = "agent_idle_timeout";
    /** Added by gpbackup when it copies the config to the segment hosts; nothing for us. */
    static final String PGPORT = "pgport";
    /** Added by gpbackup when it copies the config to the segment hosts; nothing for us. */
    static final String BACKUP_PLUGIN_VERSION = "backup_plugin_version";
    /** A PEM bundle of private certificate authorities, trusted on top of the JDK's own. */
    static final String CA_CERT = "ca_cert";
    /** Bytes of part buffers one process may hold; the part and piece sizes and concurrencies are bounds within it. */
    static final String MEMORY_BUDGET = "memory_budget";
    /** A file that gets one JSON line per S3 request; off unless set (spec/config.md says why). */
    static final String AUDIT_LOG = "audit_log";
    /** Bytes per second of all transfers together, per process or per host agent; unlimited unless set. */
    static final String MAX_BANDWIDTH = "max_bandwidth";

    static final List<String> KNOWN_OPTIONS = List.of(
            REGION, ENDPOINT, ACCESS_KEY_ID, SECRET_ACCESS_KEY, BUCKET, FOLDER, ENCRYPTION, HTTP_PROXY,
            BACKUP_CONCURRENCY, BACKUP_PART_SIZE, RESTORE_CONCURRENCY, RESTORE_PIECE_SIZE,
            MAX_REQUEST_RETRIES, RESTORE_SUBSET, PGPORT, BACKUP_PLUGIN_VERSION, CA_CERT, MEMORY_BUDGET, AGENT,
            AGENT_IDLE_TIMEOUT, SESSION_TOKEN, AUDIT_LOG, MAX_BANDWIDTH);
    /** Every option this plugin knows: the core ones, the storage ones (StorageRules) and the sealing ones (SealRules). */
    private static final List<String> ALL_OPTIONS = java.util.stream.Stream
            .of(KNOWN_OPTIONS, StorageRules.OPTIONS, SealRules.OPTIONS).flatMap(List::stream).toList();

    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;
    static final long DEFAULT_PART_SIZE = 500 * MIB;
    /**
     * A bound, not a number in flight: a transfer starts at 4 and doubles while doubling pays
     * (transfer/InFlightWindow). 16, not the Go plugin's 6: across a WAN a connection carries a
     * fraction of the link (spec/performance.md, the far profile), and 16 pieces of 8 MiB fit the
     * default memory budget.
     */
    static final int DEFAULT_CONCURRENCY = 16;
    static final int DEFAULT_MAX_REQUEST_RETRIES = 10;
    /** Keeps a process, JVM included, under 256 MB of RSS; see spec/s3.md. */
    static final long DEFAULT_MEMORY_BUDGET = 128 * MIB;
    /** Long enough to outlast gpbackup's metadata phase between the setup hook and the first table. */
    static final int DEFAULT_AGENT_IDLE_SECONDS = 1800;

    /** S3 refuses multipart parts below 5 MiB (but the last) and above 5 GiB. */
    private static final SizeRange PART_SIZE_RANGE =
            new SizeRange(5 * MIB, 5 * GIB, "S3 multipart parts must be 5MB to 5GB");
    /** Downloads are ranged GETs, free of S3's part limits; below 1 MiB the requests only cost time. */
    private static final SizeRange PIECE_SIZE_RANGE =
            new SizeRange(MIB, 5 * GIB, "allowed 1MB to 5GB");
    /** Two parts of S3's smallest size, one being read and one being sent, must fit. */
    private static final SizeRange MEMORY_BUDGET_RANGE =
            new SizeRange(16 * MIB, 64 * GIB, "allowed 16MB to 64GB");

    private final Function<String, String> environment;

    ConfigRules(Function<String, String> environment) {
        this.environment = environment;
    }

    /**
     * Applies every rule to the raw config.
     *
     * @throws ConfigException naming all problems at once, the raw config's own included
     */
    PluginConfig apply(RawConfig raw, String sourceName) {
        Problems problems = new Problems();
        problems.addAll(raw.problems());
        Options options = new Options(raw.options(), raw.rejectedOptions());
        reportUnknown(options, problems);

        String executablePath = executablePath(raw.executablePath(), problems);
        String bucket = required(options, BUCKET, problems);
        String folder = folder(options, problems);
        if (!options.isSet(REGION) && !options.isSet(ENDPOINT)) {
            problems.add("region or endpoint is required");
        }
        reportHalfACredential(options, problems);
        boolean encryption = options.text(ENCRYPTION).map(text -> !text.equalsIgnoreCase("off")).orElse(true);
        long backupPartSize = size(options, BACKUP_PART_SIZE, PART_SIZE_RANGE, DEFAULT_PART_SIZE, problems);
        int backupConcurrency = count(options, BACKUP_CONCURRENCY, DEFAULT_CONCURRENCY, 1, 64, problems);
        long restorePieceSize = size(options, RESTORE_PIECE_SIZE, PIECE_SIZE_RANGE, DEFAULT_PART_SIZE, problems);
        long memoryBudget = size(options, MEMORY_BUDGET, MEMORY_BUDGET_RANGE, DEFAULT_MEMORY_BUDGET, problems);
        int restoreConcurrency = count(options, RESTORE_CONCURRENCY, DEFAULT_CONCURRENCY, 1, 64, problems);
        int maxRequestRetries = count(options, MAX_REQUEST_RETRIES, DEFAULT_MAX_REQUEST_RETRIES, 0, 100, problems);
        boolean restoreSubset = onOff(options, RESTORE_SUBSET, problems);
        boolean agent = options.text(AGENT).flatMap(text -> onOffAnyCase(AGENT, text, problems)).orElse(true);
        int agentIdleSeconds = count(options, AGENT_IDLE_TIMEOUT, DEFAULT_AGENT_IDLE_SECONDS, 1, 86_400, problems);
        StorageOptions storage = new StorageRules(options::text, environment, problems, options.text(ENDPOINT)).apply();
        Optional<String> auditLog = auditLog(options, problems);
        OptionalLong maxBandwidth = maxBandwidth(options, problems);
        Optional<KeyRing> sealingKeys = new SealRules(options::text, environment, problems).apply();

        problems.throwIfAny(sourceName);
        return new PluginConfig(executablePath, bucket, folder, options.text(REGION), options.text(ENDPOINT),
                encryption, options.text(ACCESS_KEY_ID), options.text(SECRET_ACCESS_KEY), options.text(SESSION_TOKEN),
                options.text(HTTP_PROXY),
                new TransferSettings(backupPartSize, backupConcurrency),
                new TransferSettings(restorePieceSize, restoreConcurrency),
                maxRequestRetries, restoreSubset, options.text(CA_CERT), memoryBudget,
                new AgentSettings(agent, Duration.ofSeconds(agentIdleSeconds)), storage, auditLog, maxBandwidth,
                sealingKeys);
    }

    /**
     * Expanded as executablepath is, so {@code $HOME/...} works; absolute, because the host agent
     * runs calls in another working directory than the caller's.
     */
    private Optional<String> auditLog(Options options, Problems problems) {
        Optional<String> written = options.text(AUDIT_LOG);
        if (written.isEmpty()) {
            return Optional.empty();
        }
        String expanded = EnvExpansion.expand(written.get(), environment);
        if (!expanded.startsWith("/") || expanded.endsWith("/")) {
            problems.add(AUDIT_LOG + " " + SafeText.quoted(written.get()) + " must be an absolute file path"
                    + (expanded.equals(written.get()) ? "" : " once environment variables are expanded"));
            return Optional.empty();
        }
        return Optional.of(expanded);
    }

    /** A size a second, as {@code 200MB} or {@code 200MB/s}; every unit a power of 1024, as in the other sizes. */
    private static OptionalLong maxBandwidth(Options options, Problems problems) {
        Optional<String> text = options.text(MAX_BANDWIDTH);
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        long bytes;
        try {
            bytes = ByteSize.parse(text.get().strip().replaceFirst("(?i)\\s*/\\s*s(ec(ond)?)?$", ""));
        } catch (IllegalArgumentException e) {
            problems.add(MAX_BANDWIDTH + ": " + e.getMessage());
            return OptionalLong.empty();
        }
        if (bytes < MIB || bytes > 1024 * GIB) {
            problems.add(MAX_BANDWIDTH + ": " + SafeText.quoted(text.get())
                    + " is out of range (allowed 1MB to 1TB a second)");
            return OptionalLong.empty();
        }
        return OptionalLong.of(bytes);
    }

    private static void reportUnknown(Options options, Problems problems) {
        for (String name : options.names()) {
            if (!ALL_OPTIONS.contains(name)) {
                problems.add("unknown option '" + SafeText.shown(name) + "'"
                        + NameSuggestion.didYouMean(name, ALL_OPTIONS));
            }
        }
    }

    /** Expanded as gpbackup expands it; the reader has already reported a missing one. */
    private String executablePath(String written, Problems problems) {
        String expanded = EnvExpansion.expand(written, environment);
        if (expanded.isEmpty() && !written.isEmpty()) {
            problems.add("executablepath " + SafeText.quoted(written)
                    + " is empty once environment variables are expanded");
        }
        return expanded;
    }

    private static String required(Options options, String name, Problems problems) {
        if (!options.isSet(name)) {
            problems.add(name + " is required");
        }
        return options.text(name).orElse("");
    }

    /** The folder without trailing slashes, so keys are built as folder + "/" + name. */
    private static String folder(Options options, Problems problems) {
        String written = required(options, FOLDER, problems);
        int end = written.length();
        while (end > 0 && written.charAt(end - 1) == '/') {
            end--;
        }
        if (end == 0 && !written.isEmpty()) {
            problems.add("folder " + SafeText.quoted(written) + " must name a folder, not only slashes");
        }
        return written.substring(0, end);
    }

    /** A key id without its secret, or the reverse, is a config mistake, not a request for another source. */
    private static void reportHalfACredential(Options options, Problems problems) {
        boolean hasKeyId = options.isSet(ACCESS_KEY_ID);
        boolean hasSecret = options.isSet(SECRET_ACCESS_KEY);
        if (hasKeyId && !hasSecret) {
            problems.add(ACCESS_KEY_ID + " is set but " + SECRET_ACCESS_KEY + " is not");
        }
        if (hasSecret && !hasKeyId) {
            problems.add(SECRET_ACCESS_KEY + " is set but " + ACCESS_KEY_ID + " is not");
        }
        if (options.isSet(SESSION_TOKEN) && !(hasKeyId && hasSecret)) {
            problems.add(SESSION_TOKEN + " is set but " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " are not both set");
        }
    }

    private static long size(Options options, String name, SizeRange range, long defaultValue, Problems problems) {
        Optional<String> text = options.text(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        long bytes;
        try {
            bytes = ByteSize.parse(text.get());
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + e.getMessage());
            return defaultValue;
        }
        if (bytes < range.min() || bytes > range.max()) {
            problems.add(name + ": " + SafeText.quoted(text.get()) + (bytes < range.min() ? " is below the minimum of "
                    + ByteSize.format(range.min()) : " is above the maximum of " + ByteSize.format(range.max()))
                    + " (" + range.reason() + ")");
            return defaultValue;
        }
        return bytes;
    }

    private static int count(Options options, String name, int defaultValue, int min, int max,
            Problems problems) {
        Optional<String> text = options.text(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        // Go's strconv.Atoi, which the Go plugin used, takes an optional sign and decimal digits only.
        if (!text.get().matches("[+-]?[0-9]+")) {
            problems.add(name + ": " + SafeText.quoted(text.get()) + " is not a whole number");
            return defaultValue;
        }
        BigInteger value = new BigInteger(text.get());
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            problems.add(name + ": " + SafeText.quoted(text.get())
                    + " is out of range (allowed " + min + " to " + max + ")");
            return defaultValue;
        }
        return value.intValueExact();
    }

    /**
     * Exactly {@code on} or {@code off}, lower case: gprestore reads this option too and turns
     * subset restores on only for the text {@code on}, so "ON" would silently do nothing.
     */
    private static boolean onOff(Options options, String name, Problems problems) {
        Optional<String> text = options.text(name);
        if (text.isEmpty() || text.get().equals("off")) {
            return false;
        }
        if (text.get().equals("on")) {
            return true;
        }
        problems.add(name + ": " + SafeText.quoted(text.get()) + " must be on or off, in lower case"
                + " (gprestore recognises only 'on')");
        return false;
    }

    /** {@code on} or {@code off} in any case, for an option only this plugin reads; empty after a problem. */
    static Optional<Boolean> onOffAnyCase(String name, String text, Problems problems) {
        if (text.equalsIgnoreCase("on") || text.equalsIgnoreCase("off")) {
            return Optional.of(text.equalsIgnoreCase("on"));
        }
        problems.add(name + ": " + SafeText.quoted(text) + " must be on or off");
        return Optional.empty();
    }

    /**
     * The options as the rules see them.
     *
     * @param texts    options with a single value, mapped to their text
     * @param rejected options whose value was a list or mapping; already reported, so they
     *                 count as set and no second problem calls them missing
     */
    private record Options(Map<String, String> texts, Set<String> rejected) {

        /** Names only: the values include the secret key and the proxy password. */
        @Override
        public String toString() {
            return "Options" + texts.keySet();
        }

        /** The option's text; an empty value counts as absent, as it does in the Go plugin. */
        Optional<String> text(String name) {
            return Optional.ofNullable(texts.get(name)).filter(text -> !text.isEmpty());
        }

        boolean isSet(String name) {
            return text(name).isPresent() || rejected.contains(name);
        }

        Set<String> names() {
            Set<String> names = new LinkedHashSet<>(texts.keySet());
            names.addAll(rejected);
            return names;
        }
    }

    /** The sizes a part or piece size may take, and why, for the error message. */
    private record SizeRange(long min, long max, String reason) {
    }
}
