package gpbackup.s3plugin.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's half of SigV4, written from the AWS documentation independently of the plugin's
 * signer: re-derives from a request as WireMock received it the signature it must carry, and
 * checks the chunk signatures of an {@code aws-chunked} body.
 */
public final class ServerSideSigV4 {
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,"
                    + " SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    private ServerSideSigV4() {
    }

    /** The parts of an {@code Authorization} header. */
    public record Authorization(String accessKeyId, String date, String region, String service,
                                List<String> signedHeaders, String signature) {
        String scope() {
            return date + "/" + region + "/" + service + "/aws4_request";
        }
    }

    public static Authorization authorization(LoggedRequest request) {
        String value = request.getHeader("Authorization");
        Matcher m = AUTHORIZATION.matcher(value == null ? "" : value);
        assertTrue(m.matches(), "malformed Authorization header: " + value);
        return new Authorization(m.group(1), m.group(2), m.group(3), m.group(4),
                Arrays.asList(m.group(5).split(";")), m.group(6));
    }

    /** Checks the request's signature as S3 would, with the given secret. */
    public static void assertSignatureValid(LoggedRequest request, String secret) {
        Authorization auth = authorization(request);
        String amzDate = request.getHeader("X-Amz-Date");
        assertTrue(amzDate != null && amzDate.startsWith(auth.date()), "X-Amz-Date " + amzDate + " vs scope date");
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + auth.scope() + "\n"
                + sha256Hex(canonicalRequest(request, auth.signedHeaders()).getBytes(StandardCharsets.UTF_8));
        String expected = hex(hmac(signingKey(secret, auth), stringToSign));
        assertEquals(expected, auth.signature(), "signature does not verify; canonical request:\n"
                + canonicalRequest(request, auth.signedHeaders()));
    }

    /**
     * Decodes an {@code aws-chunked} body, checking every chunk's signature against the chain
     * seeded by the request signature; returns the decoded data.
     */
    public static byte[] decodeSignedChunks(LoggedRequest request, String secret) {
        Authorization auth = authorization(request);
        String amzDate = request.getHeader("X-Amz-Date");
        byte[] key = signingKey(secret, auth);
        byte[] body = request.getBody();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String previous = auth.signature();
        int pos = 0;
        while (true) {
            int lineEnd = indexOfCrlf(body, pos);
            assertTrue(lineEnd > 0, "chunk header without CRLF at offset " + pos);
            String header = new String(body, pos, lineEnd - pos, StandardCharsets.US_ASCII);
            Matcher m = Pattern.compile("([0-9a-f]+);chunk-signature=([0-9a-f]{64})").matcher(header);
            assertTrue(m.matches(), "bad chunk header '" + header + "'");
            int length = Integer.parseInt(m.group(1), 16);
            int dataStart = lineEnd + 2;
            byte[] chunk = Arrays.copyOfRange(body, dataStart, dataStart + length);
            assertEquals(length, chunk.length, "chunk shorter than its header says");
            assertEquals('\r', body[dataStart + length], "chunk data not followed by CRLF");
            assertEquals('\n', body[dataStart + length + 1], "chunk data not followed by CRLF");
            String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + auth.scope() + "\n" + previous
                    + "\n" + EMPTY_SHA256 + "\n" + sha256Hex(chunk);
            String expected = hex(hmac(key, stringToSign));
            assertEquals(expected, m.group(2), "signature of chunk at offset " + pos);
            previous = expected;
            data.writeBytes(chunk);
            pos = dataStart + length + 2;
            if (length == 0) {
                assertEquals(body.length, pos, "bytes after the final chunk");
                return data.toByteArray();
            }
        }
    }

    static String canonicalRequest(LoggedRequest request, List<String> signedHeaders) {
        String url = request.getUrl();
        int q = url.indexOf('?');
        String path = q < 0 ? url : url.substring(0, q);
        String query = q < 0 ? "" : url.substring(q + 1);
        StringBuilder headers = new StringBuilder();
        for (String name : signedHeaders) {
            String value = request.getHeader(name);
            assertTrue(value != null, "signed header " + name + " was not sent");
            headers.append(name).append(':').append(value.trim().replaceAll(" +", " ")).append('\n');
        }
        return request.getMethod().getName() + "\n" + path + "\n" + canonicalQuery(query) + "\n" + headers + "\n"
                + String.join(";", signedHeaders) + "\n" + request.getHeader("x-amz-content-sha256");
    }

    private static String canonicalQuery(String query) {
        if (query.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            pairs.add(new String[] {reencode(name), reencode(value)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        List<String> joined = new ArrayList<>();
        for (String[] p : pairs) {
            joined.add(p[0] + "=" + p[1]);
        }
        return String.join("&", joined);
    }

    /** Percent-decodes then encodes everything but A-Z a-z 0-9 - . _ ~, upper-case hex. */
    static String reencode(String component) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        byte[] bytes = component.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%' && i + 2 < bytes.length) {
                raw.write(Integer.parseInt(new String(bytes, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                raw.write(bytes[i]);
            }
        }
        StringBuilder out = new StringBuilder();
        for (byte b : raw.toByteArray()) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] signingKey(String secret, Authorization auth) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), auth.date());
        k = hmac(k, auth.region());
        k = hmac(k, auth.service());
        return hmac(k, "aws4_request");
    }

    private static int indexOfCrlf(byte[] body, int from) {
        for (int i = from; i + 1 < body.length; i++) {
            if (body[i] == '\r' && body[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    public static String sha256Hex(byte[] data) {
        try {
            return hex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
