package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * When, where and for which service a request is signed: yields the {@code X-Amz-Date} value,
 * the credential scope and the signing key derived for that day, region and service.
 */
record SigningScope(Instant time, String region, String service) {

    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    SigningScope {
        Objects.requireNonNull(time, "time");
        requireText(region, "region");
        requireText(service, "service");
        // X-Amz-Date has whole seconds; truncating keeps the date stamp and the header consistent.
        time = time.truncatedTo(ChronoUnit.SECONDS);
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'} in UTC. */
    String amzDate() {
        return AMZ_DATE.format(time);
    }

    /** {@code yyyyMMdd} in UTC: must be the date of {@link #amzDate()} or AWS rejects the scope. */
    String dateStamp() {
        return DATE_STAMP.format(time);
    }

    /** {@code yyyyMMdd/region/service/aws4_request}. */
    String value() {
        return dateStamp() + "/" + region + "/" + service + "/aws4_request";
    }

    /** HMAC chain "AWS4"+secret → date → region → service → "aws4_request". */
    byte[] signingKey(String secretAccessKey) {
        byte[] dateKey = Digests.hmacSha256(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), dateStamp());
        byte[] regionKey = Digests.hmacSha256(dateKey, region);
        byte[] serviceKey = Digests.hmacSha256(regionKey, service);
        return Digests.hmacSha256(serviceKey, "aws4_request");
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
