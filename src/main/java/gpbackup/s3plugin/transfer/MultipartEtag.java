package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.digest.Digests;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The ETag S3 gives an object assembled from parts: the hex MD5 of the concatenated binary MD5s
 * of the parts, then {@code -<part count>}, in quotes. Only computable when every part's ETag is
 * a plain MD5 (not so with SSE-KMS, or on some S3-compatible stores).
 */
public final class MultipartEtag {
    private MultipartEtag() {
    }

    public static Optional<String> of(List<String> partEtags) {
        MessageDigest md5 = Digests.md5();
        for (String etag : partEtags) {
            String hex = etag.replace("\"", "");
            if (!hex.matches("[0-9a-fA-F]{32}")) {
                return Optional.empty();
            }
            md5.update(HexFormat.of().parseHex(hex));
        }
        return Optional.of("\"" + Digests.hex(md5.digest()) + "-" + partEtags.size() + "\"");
    }
}
