package gpbackup.s3plugin.seal;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The master keys a call may use: the first seals new objects, any of them opens an object whose header
 * names its fingerprint. Keys rotate by putting the new key first and keeping the old ones after it for as
 * long as backups sealed with them are kept.
 */
public final class KeyRing {
    private final List<MasterKey> keys;

    private KeyRing(List<MasterKey> keys) {
        this.keys = keys;
    }

    /** A ring of at least one key, the first the sealing key. */
    public static KeyRing of(List<MasterKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a key ring needs at least one key");
        }
        return new KeyRing(List.copyOf(keys));
    }

    public static KeyRing of(MasterKey... keys) {
        return of(List.of(keys));
    }

    /** This ring's keys followed by the other's (the first of this ring still seals). */
    public KeyRing followedBy(KeyRing other) {
        return of(Stream.concat(keys.stream(), other.keys.stream()).toList());
    }

    /** The key new objects are sealed with. */
    public MasterKey sealingKey() {
        return keys.get(0);
    }

    public List<MasterKey> keys() {
        return keys;
    }

    public Optional<MasterKey> find(KeyFingerprint fingerprint) {
        return keys.stream().filter(k -> k.fingerprint().equals(fingerprint)).findFirst();
    }

    /**
     * The key with this fingerprint, or a failure naming it and the fingerprints the ring has.
     *
     * @param objectName the object that needs it, for the message
     */
    public MasterKey require(KeyFingerprint fingerprint, String objectName) {
        return find(fingerprint).orElseThrow(() -> new SealException(objectName + " is sealed with key " + fingerprint
                + ", which is not among the configured keys (" + fingerprints()
                + "); add that key to the key file or variable, after the current key"));
    }

    /** The fingerprints, comma-separated, in ring order. */
    public String fingerprints() {
        return keys.stream().map(k -> k.fingerprint().toString()).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "KeyRing[" + fingerprints() + "]";
    }
}
