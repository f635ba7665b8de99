package gpbackup.s3plugin.transfer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the plugin recorded about an object it uploaded: the size and ETag the server reported
 * after the upload, and each part's length and SHA-256. The part digests are the ones the upload
 * computed anyway to sign each part, so recording costs no pass over the bytes; a reader proves
 * the object by hashing it again at the same part boundaries. Stored as a few lines of ASCII:
 *
 * <pre>
 * gpbackup_s3_plugin digest record 1
 * object SIZE ETAG
 * part SIZE SHA256
 * ...
 * </pre>
 */
public record DigestRecord(long size, String etag, List<PartDigest> parts) {
    /** What a record's key adds to its object's key (spec/layout.md); no file gpbackup writes ends so. */
    public static final String KEY_SUFFIX = ".s3plugin-digests";

    /**
     * The user metadata ({@code x-amz-meta-s3plugin-sha256}) in which a single-part object carries
     * its SHA-256 instead of a record beside it; the Go plugin ignores user metadata.
     */
    public static final String SHA256_METADATA = "s3plugin-sha256";
    private static final String FIRST_LINE = "gpbackup_s3_plugin digest record 1";
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public DigestRecord {
        parts = List.copyOf(parts);
    }

    /** The record as stored. */
    public byte[] bytes() {
        StringBuilder text = new StringBuilder(FIRST_LINE).append('\n');
        text.append("object ").append(size).append(' ').append(etag.isEmpty() ? "-" : etag).append('\n');
        for (PartDigest part : parts) {
            text.append("part ").append(part.size()).append(' ').append(part.sha256Hex()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a stored record; a record this version cannot read is an {@link IllegalArgumentException}. */
    public static DigestRecord parse(byte[] stored) {
        String[] lines = new String(stored, StandardCharsets.US_ASCII).split("\n");
        if (lines.length < 2 || !lines[0].equals(FIRST_LINE)) {
            throw new IllegalArgumentException("not a digest record of this plugin");
        }
        String[] object = lines[1].split(" ");
        if (object.length != 3 || !object[0].equals("object")) {
            throw new IllegalArgumentException("digest record without its object line");
        }
        long size = number(object[1]);
        List<PartDigest> parts = new ArrayList<>();
        long sum = 0;
        for (int i = 2; i < lines.length; i++) {
            String[] part = lines[i].split(" ");
            if (part.length != 3 || !part[0].equals("part") || !HEX64.matcher(part[2]).matches()) {
                throw new IllegalArgumentException("digest record line " + (i + 1) + " is not 'part SIZE SHA256'");
            }
            parts.add(new PartDigest(number(part[1]), part[2]));
            sum += parts.get(parts.size() - 1).size();
        }
        if (parts.isEmpty() || sum != size) {
            throw new IllegalArgumentException("digest record's parts add up to " + sum + " bytes, not " + size);
        }
        return new DigestRecord(size, object[2].equals("-") ? "" : object[2], parts);
    }

    private static long number(String text) {
        try {
            long n = Long.parseLong(text);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("digest record has '" + text + "' where a size belongs");
    }
}
