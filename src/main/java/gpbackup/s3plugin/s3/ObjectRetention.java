package gpbackup.s3plugin.s3;

import java.time.Instant;
import java.util.Optional;

/**
 * What HEAD tells about an object's Object Lock.
 *
 * @param key         the object
 * @param mode        {@code GOVERNANCE} or {@code COMPLIANCE}, when the object has a retention
 * @param retainUntil until when the retention holds
 * @param legalHold   whether a legal hold is on, which holds until someone lifts it
 */
public record ObjectRetention(String key, Optional<String> mode, Optional<Instant> retainUntil, boolean legalHold) {
    /** Whether a delete of this object's data would be refused at {@code now}. */
    public boolean lockedAt(Instant now) {
        return legalHold || retainUntil.filter(until -> until.isAfter(now)).isPresent();
    }
}
