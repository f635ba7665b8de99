package gpbackup.s3plugin.s3;

import java.util.Optional;

/**
 * One storage option the config asked for, held against what the store reports of an object.
 *
 * @param option   the option as the config names it, e.g. {@code server_side_encryption}
 * @param asked    what was asked, e.g. {@code AES256}; never a key
 * @param reported what the store reports, e.g. {@code aws:kms}; empty when its answer says nothing
 * @param kept     whether the report proves the option was applied
 */
public record OptionProof(String option, String asked, Optional<String> reported, boolean kept) {
    /** Whether this is the Object Lock, which a store that ignored it on creation may still take (PutObjectRetention). */
    public boolean isLock() {
        return option.equals("object_lock_mode");
    }

    /** {@code server_side_encryption AES256: the store reports none}, for messages. */
    public String describe() {
        return option + " " + asked + ": the store reports " + reported.orElse("none");
    }
}
