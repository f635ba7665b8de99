package gpbackup.s3plugin.kms;

import gpbackup.s3plugin.seal.MasterKey;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The KMS keys of one configured KMS key ({@code cse_kms_key_id}), asked for as seldom as the format allows.
 *
 * <p><b>Backup side</b>: {@link #sealingKey} calls {@code GenerateDataKey} once and gives the same key and
 * envelope for every object after; make one {@code KmsKeys} per process, or per host agent call, so each
 * backup call has a data key of its own. <b>Restore side</b>: {@link #open} calls {@code Decrypt} once per
 * distinct envelope and keeps the key; an agent may keep one {@code KmsKeys} for all its calls with the same
 * KMS key and credentials.
 *
 * <p>Why not a KMS call per object: gpbackup hands the plugin one file per table (or one per segment and
 * table set), so a call per object would cost a round trip to KMS per table, thousands of them for a large
 * schema on every segment at once, against KMS's request quota for cryptographic operations (per account
 * and region, shared with every other user of KMS there), and throttling would slow or fail the backup. Sharing is safe: the envelope's key is only the master key of each
 * object; every object still gets its own data key by HKDF from its own random salt and its name
 * (spec/sealed-format.md, "Data key, one per object"), so no (data key, nonce) pair repeats.
 *
 * <p>Thread-safe. A failed call is not remembered: the next asks KMS again. At most {@link #MAX_ENVELOPES}
 * keys are kept; the one used longest ago is dropped first (asked for again if needed). The keys stay in
 * memory for the life of this object and are never shown: {@link #toString()} names the KMS key only.
 */
public final class KmsKeys {
    /** More distinct envelopes than a restore meets: one per backup call per segment of the backups restored. */
    static final int MAX_ENVELOPES = 1024;

    private final KmsClient kms;
    private final String keyId;
    private final Map<Envelope, Slot> opened;
    private KmsClient.DataKey sealing;

    /** Keys under {@code keyId} (key id, key ARN, alias name or alias ARN, as in {@code cse_kms_key_id}). */
    public KmsKeys(KmsClient kms, String keyId) {
        this(kms, keyId, MAX_ENVELOPES);
    }

    KmsKeys(KmsClient kms, String keyId, int maxEnvelopes) {
        this.kms = Objects.requireNonNull(kms, "kms");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.opened = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Envelope, Slot> eldest) {
                return size() > maxEnvelopes;
            }
        };
    }

    public String keyId() {
        return keyId;
    }

    /**
     * The data key that seals every object of this backup call, and its envelope for each header: one
     * {@code GenerateDataKey}, on first use.
     *
     * @param subject what it is for, for the message of a failure: "backup 20240501120000"
     */
    public synchronized KmsClient.DataKey sealingKey(String subject) {
        if (sealing == null) {
            sealing = kms.generateDataKey(keyId, subject);
        }
        return sealing;
    }

    /**
     * The master key in {@code envelope} (a sealed header's), unwrapped by {@code Decrypt} under this KMS
     * key the first time the envelope is seen, from memory after. Concurrent callers of one envelope wait
     * for one {@code Decrypt}; callers of different envelopes do not wait for each other.
     *
     * @param objectName the object whose header held it, for the message of a failure
     */
    public MasterKey open(byte[] envelope, String objectName) {
        Slot slot;
        synchronized (opened) {
            slot = opened.computeIfAbsent(new Envelope(envelope), e -> new Slot());
        }
        synchronized (slot) {
            if (slot.key == null) {
                slot.key = kms.decrypt(envelope, Optional.of(keyId), objectName);
            }
            return slot.key;
        }
    }

    /** How many envelopes' keys are kept. */
    int openedCount() {
        synchronized (opened) {
            return (int) opened.values().stream().filter(s -> s.key != null).count();
        }
    }

    @Override
    public String toString() {
        return "KmsKeys[" + keyId + "]";
    }

    private static final class Slot {
        private volatile MasterKey key;
    }

    /** The envelope's bytes as a map key (a copy, so a caller's buffer can change after). */
    private static final class Envelope {
        private final byte[] bytes;

        Envelope(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Envelope that && Arrays.equals(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
