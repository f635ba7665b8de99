package gpbackup.s3plugin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import gpbackup.s3plugin.audit.AuditTrailFile;
import gpbackup.s3plugin.cli.FakeS3Store.Ignore;
import gpbackup.s3plugin.cli.FakeS3Store.Keeping;
import gpbackup.s3plugin.cli.FakeS3Store.Recorded;
import gpbackup.s3plugin.leaks.RunOutputs;
import gpbackup.s3plugin.leaks.TestSecrets;
import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.progress.ProgressDisplay;
import gpbackup.s3plugin.seal.KeyRing;
import gpbackup.s3plugin.seal.MasterKey;
import gpbackup.s3plugin.seal.ObjectOpener;
import gpbackup.s3plugin.seal.OpeningOutputStream;
import gpbackup.s3plugin.seal.SealedHeader;
import gpbackup.s3plugin.serving.AgentResources;
import gpbackup.s3plugin.transfer.BufferPool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every storage option with the audit trail (and max_bandwidth) on and off, standalone and through
 * the host agent's shared connections, single-part and multipart, through every command that writes or reads
 * objects (STYLE.md, "Features that meet are tested together"). Each case runs whole commands
 * in-process against a stateful fake S3 and asserts, on the wire, that every request creating an
 * object carries exactly the option's headers, that reads carry the SSE-C key and nothing else,
 * that the store keeps each object as asked, and, with the trail on, that it has one line per
 * request. The negative rows are a store that answers 200 and ignores an option.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorageOptionsMatrixTest {
    private static final String SSE = "x-amz-server-side-encryption";
    private static final String KMS_KEY = "x-amz-server-side-encryption-aws-kms-key-id";
    private static final String KMS_CONTEXT = "x-amz-server-side-encryption-context";
    private static final String BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled";
    private static final String C_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm";
    private static final String C_KEY = "x-amz-server-side-encryption-customer-key";
    private static final String C_KEY_MD5 = "x-amz-server-side-encryption-customer-key-md5";
    private static final String CLASS = "x-amz-storage-class";
    private static final String LOCK_MODE = "x-amz-object-lock-mode";
    private static final String LOCK_UNTIL = "x-amz-object-lock-retain-until-date";
    private static final List<String> STORAGE_HEADERS = List.of(SSE, KMS_KEY, KMS_CONTEXT, BUCKET_KEY, C_ALGORITHM,
            C_KEY, C_KEY_MD5, CLASS, LOCK_MODE, LOCK_UNTIL);

    private static final String KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
    private static final String CONTEXT_JSON = "{\"app\":\"gpbackup\",\"team\":\"dba\"}";
    private static final String SSE_C_ENV = "GP_MATRIX_SSE_C_KEY";
    private static final String KEY_FILE = "%KEY_FILE%";
    private static final String CSE_KEY_FILE = "%CSE_KEY_FILE%";
    private static final String CSE = "client_side_encryption: on";
    private static final KeyRing CSE_KEYS = KeyRing.of(MasterKey.of(TestSecrets.cseKey()));

    private static final String TS = "20240101120000";
    private static final String NEWER_TS = "20240102120000";
    private static final int SINGLE_PART_BYTES = 3000;
    /** Just over one part of backup_multipart_chunksize's minimum, 5 MiB: two parts. */
    private static final int MULTIPART_BYTES = 5 * 1024 * 1024 + 1;

    /** One row of storage options: its config lines, and the headers every write must carry. */
    record StorageOption(String name, List<String> configLines, Map<String, String> creationHeaders) {
        boolean customerKey() {
            return creationHeaders.containsKey(C_KEY_MD5);
        }

        boolean lock() {
            return creationHeaders.containsKey(LOCK_MODE);
        }

        /** Whether backups are sealed on the host (client-side encryption) before the store sees them. */
        boolean sealed() {
            return configLines.contains(CSE);
        }

        /** What reads and UploadPart carry: the SSE-C key, when there is one. */
        Map<String, String> customerHeaders() {
            Map<String, String> headers = new TreeMap<>(creationHeaders);
            headers.keySet().retainAll(Set.of(C_ALGORITHM, C_KEY, C_KEY_MD5));
            return headers;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    enum Mode {
        STANDALONE("standalone"), AGENT("through the host agent");

        private final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    enum Size {
        SINGLE_PART("single-part", SINGLE_PART_BYTES), MULTIPART("multipart", MULTIPART_BYTES);

        private final String label;
        private final int bytes;

        Size(String label, int bytes) {
            this.label = label;
            this.bytes = bytes;
        }
    }

    /**
     * One scenario of the matrix: an option row, the trail on or off, standalone or through the
     * agent, single-part or multipart. Its commands run in order on one store, each a test of its own.
     */
    record Scenario(StorageOption option, boolean audit, Mode mode, Size size) {
        @Override
        public String toString() {
            return option + ", audit " + (audit ? "on" : "off") + ", " + mode.label + ", " + size.label;
        }
    }

    /** A store that ignores one option, and what the backup must then do. */
    record IgnoredCase(Ignore ignore, StorageOption option, boolean audit, Mode mode, Size size) {
        @Override
        public String toString() {
            return "store ignores " + ignore.name().toLowerCase().replace('_', ' ') + ": backup_data, " + option
                    + ", audit " + (audit ? "on" : "off") + ", " + mode.label + ", " + size.label;
        }
    }

    /** One command of a scenario, with what it must achieve. */
    private record Step(String name, StepBody body) {
    }

    @FunctionalInterface
    private interface StepBody {
        void run(Calls calls) throws IOException;
    }

    /** What one run printed. */
    record Run(int status, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    static List<StorageOption> options() {
        String customerKey = TestSecrets.sseCustomerKeyBase64();
        String customerMd5 = Base64.getEncoder().encodeToString(FakeS3Store.md5(TestSecrets.sseCustomerKey()));
        Map<String, String> sseC = Map.of(C_ALGORITHM, "AES256", C_KEY, customerKey, C_KEY_MD5, customerMd5);
        Map<String, String> lock = Map.of(LOCK_MODE, "GOVERNANCE", LOCK_UNTIL, "");
        Map<String, String> combined = new HashMap<>(lock);
        combined.putAll(Map.of(SSE, "aws:kms", KMS_KEY, KMS_KEY_ID, CLASS, "STANDARD_IA"));
        return List.of(
                new StorageOption("no storage option", List.of(), Map.of()),
                new StorageOption("SSE-S3 (AES256)", List.of("server_side_encryption: AES256"), Map.of(SSE, "AES256")),
                new StorageOption("SSE-KMS", List.of("server_side_encryption: aws:kms"), Map.of(SSE, "aws:kms")),
                new StorageOption("SSE-KMS with key id", List.of("server_side_encryption: aws:kms",
                        "sse_kms_key_id: " + KMS_KEY_ID), Map.of(SSE, "aws:kms", KMS_KEY, KMS_KEY_ID)),
                new StorageOption("SSE-KMS with key id, context and bucket key", List.of("server_side_encryption: aws:kms",
                        "sse_kms_key_id: " + KMS_KEY_ID, "sse_kms_encryption_context: app=gpbackup,team=dba",
                        "sse_bucket_key: on"), Map.of(SSE, "aws:kms", KMS_KEY, KMS_KEY_ID, KMS_CONTEXT,
                        Base64.getEncoder().encodeToString(CONTEXT_JSON.getBytes(StandardCharsets.UTF_8)),
                        BUCKET_KEY, "true")),
                new StorageOption("SSE-C from a key file", List.of("sse_customer_key_file: " + KEY_FILE), sseC),
                new StorageOption("SSE-C from the environment", List.of("sse_customer_key_env: " + SSE_C_ENV), sseC),
                new StorageOption("storage class STANDARD_IA", List.of("storage_class: STANDARD_IA"),
                        Map.of(CLASS, "STANDARD_IA")),
                new StorageOption("Object Lock GOVERNANCE 1 day", List.of("object_lock_mode: GOVERNANCE",
                        "object_lock_retain_days: 1"), lock),
                new StorageOption("SSE-KMS with key id, STANDARD_IA and Object Lock", List.of(
                        "server_side_encryption: aws:kms", "sse_kms_key_id: " + KMS_KEY_ID, "storage_class: STANDARD_IA",
                        "object_lock_mode: GOVERNANCE", "object_lock_retain_days: 1"), combined),
                new StorageOption("client-side encryption", List.of(CSE, "cse_key_file: " + CSE_KEY_FILE), Map.of()),
                new StorageOption("client-side encryption with SSE-C from the environment", List.of(CSE,
                        "cse_key_file: " + CSE_KEY_FILE, "sse_customer_key_env: " + SSE_C_ENV), sseC),
                new StorageOption("client-side encryption with SSE-KMS with key id, STANDARD_IA and Object Lock",
                        List.of(CSE, "cse_key_file: " + CSE_KEY_FILE, "server_side_encryption: aws:kms",
                                "sse_kms_key_id: " + KMS_KEY_ID, "storage_class: STANDARD_IA",
                                "object_lock_mode: GOVERNANCE", "object_lock_retain_days: 1"), combined));
    }

    static List<Scenario> scenarios() {
        List<Scenario> scenarios = new ArrayList<>();
        for (StorageOption option : options()) {
            for (boolean audit : List.of(false, true)) {
                for (Mode mode : Mode.values()) {
                    for (Size size : Size.values()) {
                        scenarios.add(new Scenario(option, audit, mode, size));
                    }
                }
            }
        }
        return scenarios;
    }

    static Stream<Arguments> ignoredCases() {
        Map<String, StorageOption> byName = options().stream()
                .collect(Collectors.toMap(StorageOption::name, o -> o));
        List<Arguments> cases = new ArrayList<>();
        for (boolean audit : List.of(false, true)) {
            for (Mode mode : Mode.values()) {
                for (Size size : Size.values()) {
                    for (String name : List.of("SSE-S3 (AES256)", "SSE-KMS with key id", "SSE-C from the environment")) {
                        cases.add(Arguments.of(new IgnoredCase(Ignore.ENCRYPTION, byName.get(name), audit, mode, size)));
                    }
                    cases.add(Arguments.of(new IgnoredCase(Ignore.STORAGE_CLASS, byName.get("storage class STANDARD_IA"),
                            audit, mode, size)));
                }
                for (String name : List.of("Object Lock GOVERNANCE 1 day", "SSE-KMS with key id, STANDARD_IA and Object Lock")) {
                    cases.add(Arguments.of(new IgnoredCase(Ignore.LOCK_ON_MULTIPART, byName.get(name), audit, mode,
                            Size.MULTIPART)));
                }
            }
        }
        return cases.stream();
    }

    private FakeS3Store store;

    @BeforeAll
    void startStore() throws IOException {
        store = new FakeS3Store();
    }

    @AfterAll
    void stopStore() {
        store.close();
    }

    // ---------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicContainer> storageOptionsHoldThroughEveryCommand(@TempDir Path root) {
        List<Scenario> scenarios = scenarios();
        return scenarios.stream().map(scenario -> {
            Path home = root.resolve("scenario-" + scenarios.indexOf(scenario));
            ScenarioRun run = new ScenarioRun(scenario, home);
            Stream<DynamicTest> commands = steps(scenario).stream()
                    .map(step -> DynamicTest.dynamicTest(step.name(), () -> run.step(step)));
            DynamicTest trail = DynamicTest.dynamicTest(scenario.audit()
                    ? "the audit trail has one line per request of the scenario" : "no audit trail is written",
                    run::finish);
            return DynamicContainer.dynamicContainer(scenario.toString(), Stream.concat(commands, Stream.of(trail)));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ignoredCases")
    void anOptionTheStoreIgnoresFailsTheBackupOrIsApplied(IgnoredCase c, @TempDir Path home) throws IOException {
        store.reset();
        store.ignore(c.ignore());
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (Calls calls = new Calls(home, c.option(), c.audit(), c.mode())) {
            byte[] data = data(c.size().bytes, 1);
            Run run = calls.run(data, "backup_data", calls.config(), dataFile(home, TS));
            String key = "f/backups/20240101/" + TS + "/gpbackup_0_" + TS + "_16384";
            List<Recorded> requests = store.requests();
            if (c.ignore() == Ignore.LOCK_ON_MULTIPART) {
                assertEquals(0, run.status(), run.stderr());
                assertEquals(1, requests.stream().filter(r -> r.op().equals("PutObjectRetention")
                        && r.key().equals(key)).count(), "the lock the store ignored is applied afterwards");
                assertStoredAsAsked(c.option(), started);
                assertArrayEquals(data, store.object(key).orElseThrow().bytes());
            } else {
                assertEquals(1, run.status(), "the backup must fail: " + run.stderr());
                List<String> lines = run.stderr().lines().toList();
                assertEquals(1, lines.size(), run.stderr());
                String option = switch (c.ignore()) {
                    case STORAGE_CLASS -> "storage_class STANDARD_IA: the store reports none";
                    default -> c.option().customerKey() ? "sse_customer_key key MD5" : "server_side_encryption";
                };
                assertTrue(lines.get(0).contains(option) && lines.get(0).contains("s3://bucket/" + key)
                        && lines.get(0).contains("the object was deleted"), lines.get(0));
                assertEquals(List.of(), store.keys(), "no object may be left looking protected");
            }
            assertWire(c.option(), requests, started);
            if (c.audit()) {
                assertTrail(requests, calls.trailLines(), Set.of("backup_data"));
            } else {
                assertFalse(Files.exists(calls.trail()));
            }
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * The scenario's commands in order, each reading what the ones before wrote: gpbackup's per-table
     * and per-file commands, which the agent runs, and standalone also the commands for people.
     */
    private List<Step> steps(Scenario scenario) {
        byte[] data = data(scenario.size().bytes, 1);
        String dataKey = "f/backups/20240101/" + TS + "/gpbackup_0_" + TS + "_16384";
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("backup_data", calls -> {
            calls.ok(data, "backup_data", calls.config(), dataFile(calls.home(), TS));
            assertHolds(scenario.option(), dataKey, data);
            assertEquals(scenario.size() == Size.MULTIPART, store.object(dataKey + ".s3plugin-digests").isPresent(),
                    "a digest record beside a multipart object only");
        }));
        steps.add(new Step("backup_file", calls -> {
            write(metadata(calls), data);
            calls.ok(null, "backup_file", calls.config(), metadata(calls).toString());
            assertHolds(scenario.option(), metadataKey(), data);
        }));
        steps.add(new Step("restore_data", calls ->
                assertArrayEquals(data, calls.ok(null, "restore_data", calls.config(), dataFile(calls.home(), TS)).stdout())));
        steps.add(new Step("restore_data_subset", calls -> {
            int n = data.length;
            int[] ranges = {n - 7, n, 0, 5, n / 2, n / 2 + 10};
            Path offsets = Files.writeString(calls.home().resolve("offsets"), "3 " + Arrays.stream(ranges)
                    .mapToObj(String::valueOf).collect(Collectors.joining(" ")));
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (int i = 0; i < ranges.length; i += 2) {
                expected.write(data, ranges[i], ranges[i + 1] - ranges[i]);
            }
            assertArrayEquals(expected.toByteArray(), calls.ok(null, "restore_data_subset", calls.config(),
                    dataFile(calls.home(), TS), offsets.toString()).stdout());
        }));
        steps.add(new Step("restore_file", calls -> {
            Files.delete(metadata(calls));
            calls.ok(null, "restore_file", calls.config(), metadata(calls).toString());
            assertArrayEquals(data, Files.readAllBytes(metadata(calls)));
        }));
        if (scenario.mode() == Mode.AGENT) {
            return steps;
        }
        steps.add(new Step("backup_directory_parallel", calls -> {
            Path tree = calls.home().resolve("tree");
            write(tree.resolve("a"), data);
            write(tree.resolve("sub/b"), data(100, 2));
            calls.ok(null, "backup_directory_parallel", calls.config(), tree.toString(), "2");
            assertHolds(scenario.option(), treeKey(tree, "a"), data);
            assertHolds(scenario.option(), treeKey(tree, "sub/b"), data(100, 2));
        }));
        steps.add(new Step("restore_directory", calls -> {
            Path tree = calls.home().resolve("tree");
            Files.delete(tree.resolve("a"));
            Files.delete(tree.resolve("sub/b"));
            calls.ok(null, "restore_directory", calls.config(), tree.toString());
            assertArrayEquals(data, Files.readAllBytes(tree.resolve("a")));
            assertArrayEquals(data(100, 2), Files.readAllBytes(tree.resolve("sub/b")));
        }));
        steps.add(new Step("verify", calls -> {
            for (String file : List.of("toc.yaml", "config.yaml", "report")) {
                Path path = coordinatorFile(calls.home(), TS, file);
                write(path, (file.equals("report") ? "backup status: Success\n" : "-- " + file + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                calls.ok(null, "backup_file", calls.config(), path.toString());
            }
            Run verified = calls.ok(null, "verify", calls.config(), TS);
            assertTrue(verified.out().contains("5 keys, ") && verified.out().contains("5 ok; the backup is intact"),
                    verified.out());
        }));
        steps.add(new Step("prune", calls -> {
            backupOf(calls, NEWER_TS, data(10, 3));
            Run pruned = calls.run(null, "prune", calls.config(), "--keep-last", "1", "--yes");
            assertEquals(0, pruned.status(), pruned.stderr() + pruned.out());
            if (scenario.option().lock()) {
                assertTrue(pruned.out().contains("skip          " + TS) && pruned.out().contains("under Object Lock"),
                        pruned.out());
                assertTrue(store.object(dataKey).isPresent(), "a locked backup is not pruned");
            } else {
                assertTrue(pruned.out().contains("deleted       " + TS), pruned.out());
                assertTrue(store.keys().stream().noneMatch(k -> k.contains("/" + TS + "/")), store.keys().toString());
            }
            assertTrue(store.keys().stream().anyMatch(k -> k.contains("/" + NEWER_TS + "/")), "the newest stays");
        }));
        steps.add(new Step("delete_backup", calls -> {
            Run deleted = calls.run(null, "delete_backup", calls.config(), NEWER_TS);
            if (scenario.option().lock()) {
                assertEquals(1, deleted.status(), deleted.stderr());
                assertEquals(1, deleted.stderr().lines().count(), deleted.stderr());
                assertTrue(deleted.stderr().contains("of its objects are under Object Lock")
                        && deleted.stderr().contains("nothing was deleted"), deleted.stderr());
                assertTrue(store.keys().stream().anyMatch(k -> k.contains("/" + NEWER_TS + "/")), "a locked backup stays");
            } else {
                assertEquals(0, deleted.status(), deleted.stderr());
                assertTrue(store.keys().stream().noneMatch(k -> k.startsWith("f/")), store.keys().toString());
            }
        }));
        if (scenario.size() == Size.SINGLE_PART) {
            steps.add(new Step("check (its probe)", calls -> check(scenario.option(), calls)));
        }
        return steps;
    }

    /**
     * One scenario's state: its calls, opened by the first command on a fresh store, and where
     * its requests and trail lines stand. Every command is checked against the requests it sent.
     */
    private final class ScenarioRun {
        private final Scenario scenario;
        private final Path home;
        private Calls calls;
        private Instant started;

        ScenarioRun(Scenario scenario, Path home) {
            this.scenario = scenario;
            this.home = home;
        }

        void step(Step step) throws IOException {
            if (calls == null) {
                store.reset();
                started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                calls = new Calls(Files.createDirectories(home), scenario.option(), scenario.audit(), scenario.mode());
            }
            int before = store.requests().size();
            int linesBefore = calls.trailLines().size();
            calls.commands().clear();
            step.body().run(calls);
            List<Recorded> requests = store.requests();
            List<Recorded> sent = requests.subList(before, requests.size());
            assertWire(scenario.option(), sent, started);
            assertStoredAsAsked(scenario.option(), started);
            if (scenario.audit()) {
                List<Map<String, Object>> lines = calls.trailLines();
                assertTrail(sent, lines.subList(linesBefore, lines.size()), calls.commands());
            }
        }

        void finish() throws IOException {
            try {
                assertTrue(calls != null, "the scenario ran no command");
                if (scenario.audit()) {
                    RunOutputs.keepFile("audit", calls.trail());
                    assertTrail(store.requests(), calls.trailLines(), calls.allCommands());
                } else {
                    assertFalse(Files.exists(calls.trail()));
                }
            } finally {
                if (calls != null) {
                    calls.close();
                }
            }
        }
    }

    /** check's probe: one line per option, each proved by the store's report. */
    private void check(StorageOption option, Calls calls) {
        Run checked = calls.ok(null, "check", calls.config());
        String out = checked.out();
        Map<String, Boolean> lines = new LinkedHashMap<>();
        lines.put("✓ encryption: server_side_encryption " + option.creationHeaders().getOrDefault(SSE, "?"),
                option.creationHeaders().containsKey(SSE));
        lines.put("✓ KMS key: sse_kms_key_id " + KMS_KEY_ID + ": the store reports " + FakeS3Store.KMS_ARN_PREFIX
                + KMS_KEY_ID, option.creationHeaders().containsKey(KMS_KEY));
        lines.put("✓ SSE-C: sse_customer_key key MD5 " + option.creationHeaders().getOrDefault(C_KEY_MD5, "?"),
                option.customerKey());
        lines.put("✓ storage class: storage_class STANDARD_IA: the store reports STANDARD_IA",
                option.creationHeaders().containsKey(CLASS));
        lines.put("✓ retention: object_lock_mode GOVERNANCE until ", option.lock());
        lines.put("✓ client-side encryption: " + (3 * 65536 + 1) + "-byte probe sealed on the host with key "
                + CSE_KEYS.sealingKey().fingerprint(), option.sealed());
        lines.forEach((line, expected) -> assertEquals(expected, out.contains(line), line + " in\n" + out));
        for (String name : List.of("encryption", "KMS key", "SSE-C", "storage class", "retention")) {
            assertFalse(out.contains("✗ " + name), out);
        }
        assertTrue(out.contains("✓ read back: identical"), out);
        assertTrue(out.contains(option.creationHeaders().isEmpty() ? "(PutObject, the bucket's default"
                : "(PutObject, with "), out);
    }

    /** A backup as gpbackup leaves it: a data file and a report saying it succeeded. */
    private static void backupOf(Calls calls, String timestamp, byte[] data) throws IOException {
        calls.ok(data, "backup_data", calls.config(), dataFile(calls.home(), timestamp));
        Path report = coordinatorFile(calls.home(), timestamp, "report");
        write(report, "backup status: Success\n".getBytes(StandardCharsets.UTF_8));
        calls.ok(null, "backup_file", calls.config(), report.toString());
    }

    // ---------------------------------------------------------------------------------------

    /**
     * The store holds {@code plaintext} at {@code key}: as it is, or, sealed, marked so in its metadata, as long
     * as the format says, and opening (bound to the file's name) to exactly it.
     */
    private void assertHolds(StorageOption option, String key, byte[] plaintext) throws IOException {
        FakeS3Store.StoredObject stored = store.object(key).orElseThrow();
        if (!option.sealed()) {
            assertArrayEquals(plaintext, stored.bytes(), key);
            assertFalse(stored.metadata().containsKey("gpbackup-seal"), key);
            return;
        }
        assertEquals("v1", stored.metadata().get("gpbackup-seal"), key + " is marked sealed");
        String name = key.substring(key.lastIndexOf('/') + 1);
        ObjectOpener opener = ObjectOpener.of(SealedHeader.parse(stored.bytes(), name), CSE_KEYS, name);
        assertEquals(plaintext.length, opener.plaintextLength(stored.bytes().length), key);
        ByteArrayOutputStream opened = new ByteArrayOutputStream();
        int headerLength = opener.header().length();
        try (OpeningOutputStream sink = opener.sink(opener.whole(stored.bytes().length), opened)) {
            sink.write(stored.bytes(), headerLength, stored.bytes().length - headerLength);
        }
        assertArrayEquals(plaintext, opened.toByteArray(), key);
    }

    /** Every request on the wire carries exactly the storage headers its operation takes (spec/s3.md). */
    private static void assertWire(StorageOption option, List<Recorded> requests, Instant started) {
        assertFalse(requests.isEmpty());
        for (Recorded request : requests) {
            Map<String, String> sent = new TreeMap<>();
            for (String name : STORAGE_HEADERS) {
                request.header(name).ifPresent(value -> sent.put(name, value));
            }
            String where = request.op() + " " + request.key() + "?" + request.query();
            switch (request.op()) {
                case "PutObject", "CreateMultipartUpload" -> {
                    Map<String, String> expected = new TreeMap<>(option.creationHeaders());
                    if (option.lock()) {
                        String until = sent.getOrDefault(LOCK_UNTIL, "");
                        assertTrue(until.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), where + ": " + until);
                        Instant due = Instant.parse(until);
                        assertFalse(due.isBefore(started.plus(Duration.ofDays(1))), where + ": " + until);
                        assertFalse(due.isAfter(Instant.now().plus(Duration.ofDays(1))), where + ": " + until);
                        expected.put(LOCK_UNTIL, until);
                    }
                    assertEquals(expected, sent, where);
                    assertEquals(option.lock() && request.op().equals("PutObject"), request.has("content-md5"), where);
                    assertEquals(option.sealed() && isBackupFile(request.key()),
                            request.header("x-amz-meta-gpbackup-seal").filter("v1"::equals).isPresent(), where);
                }
                case "UploadPart" -> {
                    assertEquals(option.customerHeaders(), sent, where);
                    assertEquals(option.lock(), request.has("content-md5"), where);
                }
                case "HeadObject", "GetObject" -> assertEquals(option.customerHeaders(), sent, where);
                case "CompleteMultipartUpload", "AbortMultipartUpload", "ListObjectsV2", "DeleteObjects", "DeleteObject",
                        "GetObjectLockConfiguration", "PutObjectRetention" -> assertEquals(Map.of(), sent, where);
                default -> fail("a request the fake store does not know: " + where);
            }
        }
    }

    /**
     * What client-side encryption seals: a file gpbackup backs up, and check's sealed probe; not a digest record
     * nor check's plain probe.
     */
    private static boolean isBackupFile(String key) {
        return (key.startsWith("f/backups/") || !key.startsWith("f/") || key.endsWith("-sealed"))
                && !key.endsWith(".s3plugin-digests");
    }

    /** Every object left in the store is kept as the option asks: what its HEAD reported to the plugin. */
    private void assertStoredAsAsked(StorageOption option, Instant started) {
        Map<String, String> asked = option.creationHeaders();
        for (String key : store.keys()) {
            Keeping kept = store.object(key).orElseThrow().keeping();
            Optional<String> sse = Optional.ofNullable(asked.get(SSE));
            assertEquals(sse, kept.sse(), key);
            assertEquals(sse.filter("aws:kms"::equals).map(kms -> Optional.ofNullable(asked.get(KMS_KEY))
                    .map(id -> FakeS3Store.KMS_ARN_PREFIX + id).orElse(FakeS3Store.DEFAULT_KMS_KEY)), kept.kmsKeyArn(), key);
            assertEquals(Optional.ofNullable(asked.get(KMS_CONTEXT)), kept.kmsContext(), key);
            assertEquals(Optional.ofNullable(asked.get(BUCKET_KEY)), kept.bucketKey(), key);
            assertEquals(Optional.ofNullable(asked.get(C_KEY_MD5)), kept.customerKeyMd5(), key);
            assertEquals(asked.getOrDefault(CLASS, "STANDARD"), kept.storageClass(), key);
            assertEquals(Optional.ofNullable(asked.get(LOCK_MODE)), kept.lockMode(), key);
            assertEquals(option.lock(), kept.retainUntil().filter(until -> !until.isBefore(started
                    .plus(Duration.ofDays(1)))).isPresent(), key + " locked until " + kept.retainUntil());
        }
    }

    /** One trail line per request the store saw, each naming its operation, made by the commands run. */
    private static void assertTrail(List<Recorded> requests, List<Map<String, Object>> lines, Set<String> commands) {
        assertEquals(sortedOps(requests.stream().map(Recorded::op)),
                sortedOps(lines.stream().map(line -> String.valueOf(line.get("op")))), "the trail's operations");
        assertEquals(requests.size(), lines.size());
        assertEquals(new TreeSet<>(commands), lines.stream().map(line -> String.valueOf(line.get("command")))
                .collect(Collectors.toCollection(TreeSet::new)), "each command's requests are audited");
    }

    private static List<String> sortedOps(Stream<String> ops) {
        return ops.sorted().toList();
    }

    // ---------------------------------------------------------------------------------------

    /**
     * The calls of one case: standalone, each a {@link Main} as in a process of its own; through the
     * agent, each a {@link CommandRunner} on one {@link AgentResources}, as AgentServing runs a relayed
     * call, so every call shares the connection while each has its own audit observer.
     */
    private final class Calls implements AutoCloseable {
        private final Path home;
        private final boolean audit;
        private final Mode mode;
        private final Map<String, String> environment = new HashMap<>();
        private final Path config;
        private final ByteArrayOutputStream allStdout = new ByteArrayOutputStream();
        private final StringBuilder allStderr = new StringBuilder();
        private final Set<String> commands = new TreeSet<>();
        private final Set<String> allCommands = new TreeSet<>();
        private final PluginLog agentLog;
        private final AgentResources agent;
        private final BufferPool pool;

        Calls(Path home, StorageOption option, boolean audit, Mode mode) throws IOException {
            this.home = home;
            this.audit = audit;
            this.mode = mode;
            environment.put("HOME", home.toString());
            environment.put("HOSTNAME", "sdw1");
            environment.put(SSE_C_ENV, TestSecrets.sseCustomerKeyBase64());
            Path keyFile = Files.write(home.resolve("sse-c.key"), TestSecrets.sseCustomerKey());
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            Path cseKeyFile = Files.write(home.resolve("cse.key"), TestSecrets.cseKey());
            Files.setPosixFilePermissions(cseKeyFile, PosixFilePermissions.fromString("rw-------"));
            StringBuilder yaml = new StringBuilder("""
                    executablepath: /usr/local/greenplum-db/bin/gpbackup_s3_plugin
                    options:
                      region: us-east-1
                      endpoint: http://127.0.0.1:%d
                      encryption: off
                      aws_access_key_id: AKIDMATRIX
                      aws_secret_access_key: %s
                      bucket: %s
                      folder: f
                      max_request_retries: 0
                      agent: off
                      backup_multipart_chunksize: 5MB
                      restore_multipart_chunksize: 1MB
                      memory_budget: 16MB
                    """.formatted(store.port(), TestSecrets.WIREMOCK_SECRET_KEY, FakeS3Store.BUCKET));
            if (audit) {
                yaml.append("  audit_log: ").append(trail()).append('\n');
                // max_bandwidth wraps the store the transfers see; the half with the trail carries it
                // too (so fast it never waits), so no option it meets can be lost on the way.
                yaml.append("  max_bandwidth: 1TB\n");
            }
            for (String line : option.configLines()) {
                yaml.append("  ").append(line.replace(KEY_FILE, keyFile.toString())
                        .replace(CSE_KEY_FILE, cseKeyFile.toString())).append('\n');
            }
            config = Files.writeString(home.resolve("s3_config.yaml"), yaml);
            if (mode == Mode.AGENT) {
                agentLog = PluginLog.forCaller(environment::get, Clock.systemUTC(),
                        new PrintStream(OutputStream.nullOutputStream()), 4242);
                agent = new AgentResources(environment::get, Clock.systemUTC(), agentLog);
                pool = new BufferPool(16L << 20);
            } else {
                agentLog = null;
                agent = null;
                pool = null;
            }
        }

        Path home() {
            return home;
        }

        boolean audit() {
            return audit;
        }

        String config() {
            return config.toString();
        }

        Path trail() {
            return home.resolve("audit/trail.jsonl");
        }

        /** The commands run since the last clear. */
        Set<String> commands() {
            return commands;
        }

        Set<String> allCommands() {
            return allCommands;
        }

        List<Map<String, Object>> trailLines() throws IOException {
            return Files.exists(trail()) ? AuditTrailFile.lines(trail()) : List.of();
        }

        Run run(byte[] stdin, String... argv) {
            commands.add(argv[0]);
            allCommands.add(argv[0]);
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
            ByteArrayInputStream in = new ByteArrayInputStream(stdin == null ? new byte[0] : stdin);
            int status = mode == Mode.AGENT
                    ? new CommandRunner(environment::get, Clock.systemUTC(), agent.forCall(pool), ProgressDisplay.none())
                            .run(List.of(argv), in, stdout, err, 4243, OptionalInt.empty())
                    : new Main(environment::get, in, stdout, err, Clock.systemUTC(), false).run(argv);
            Run run = new Run(status, stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));
            if (run.stdout().length <= 64 * 1024) {
                allStdout.writeBytes(run.stdout());
            }
            allStderr.append(run.stderr());
            return run;
        }

        Run ok(byte[] stdin, String... argv) {
            Run run = run(stdin, argv);
            assertEquals(0, run.status(), argv[0] + " failed: " + run.stderr() + run.out());
            assertEquals("", run.stderr(), argv[0]);
            return run;
        }

        @Override
        public void close() {
            RunOutputs.keep(StorageOptionsMatrixTest.class.getSimpleName() + " " + home.getFileName(),
                    allStdout.toByteArray(), allStderr.toString());
            if (agent != null) {
                agent.close();
                agentLog.close();
            }
            RunOutputs.keepLogs(home);
        }
    }

    // ---------------------------------------------------------------------------------------

    private static Path metadata(Calls calls) {
        return coordinatorFile(calls.home(), TS, "metadata.sql");
    }

    private static String metadataKey() {
        return "f/backups/20240101/" + TS + "/gpbackup_" + TS + "_metadata.sql";
    }

    private static String dataFile(Path home, String timestamp) {
        return home.resolve("data/gpseg0/backups/" + timestamp.substring(0, 8) + "/" + timestamp + "/gpbackup_0_"
                + timestamp + "_16384").toString();
    }

    private static Path coordinatorFile(Path home, String timestamp, String suffix) {
        return home.resolve("data/master/backups/" + timestamp.substring(0, 8) + "/" + timestamp + "/gpbackup_"
                + timestamp + "_" + suffix);
    }

    private static String treeKey(Path tree, String file) {
        return tree.resolve(file).toString().substring(1);
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /** Table-like bytes, the same for the same seed. */
    private static byte[] data(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
