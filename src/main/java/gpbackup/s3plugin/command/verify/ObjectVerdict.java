package gpbackup.s3plugin.command.verify;

import java.util.List;
import java.util.Optional;

/**
 * What {@code verify} found for one key of a backup.
 *
 * @param key     the object's key
 * @param size    its size in bytes; -1 when it is missing
 * @param status  the outcome
 * @param checks  what was checked and how it came out, in words, in the order done
 * @param problem what is wrong, when the status is not {@link Status#OK}
 */
record ObjectVerdict(String key, long size, Status status, List<String> checks, Optional<String> problem) {

    /** The outcome for one key. */
    enum Status {
        /** Read whole and proved equal to what was stored by at least one check. */
        OK,
        /** Read whole, but nothing was there to compare it with. */
        UNPROVEN,
        /** A check found it differs from what was stored, or its gzip data is broken. */
        FAILED,
        /** A restore needs it, or a digest record names it, and it is not there. */
        MISSING,
        /** It could not be read. */
        ERROR;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    ObjectVerdict {
        checks = List.copyOf(checks);
    }

    static ObjectVerdict missing(String key, String why) {
        return new ObjectVerdict(key, -1, Status.MISSING, List.of(), Optional.of(why));
    }
}
