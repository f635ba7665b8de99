package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpbackup.s3plugin.digest.Digests;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The worked examples of the S3 API reference, signed in S3 mode: object keys encoded once with
 * {@link SigV4Encoding}, no normalisation, {@code x-amz-content-sha256} signed; plus the
 * chunk signatures of the aws-chunked upload and its trailer variant (the trailer itself
 * signed by the test-only {@link TrailerSigning}). (The reference's presigned
 * URL example is not here: the plugin never presigns.)
 */
class S3SigningExamplesTest {

    private static final Path EXAMPLES = VectorFiles.dir("s3-examples");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
    /** Headers in the examples' request that the signer writes itself. */
    private static final List<String> SIGNER_OWNED = List.of("host", "x-amz-date", "x-amz-content-sha256");

    static Stream<String> cases() {
        return VectorFiles.caseNames(EXAMPLES);
    }

    @Test
    void allSixExamplesArePresent() {
        assertEquals(List.of("get-bucket-lifecycle", "get-bucket-list-objects", "get-object-range", "put-object", "put-object-chunked", "put-object-chunked-trailer"), cases().toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void signingMatchesExpectedFiles(String caseName) {
        Example example = Example.load(EXAMPLES.resolve(caseName));
        SignedRequest signed = assertHeaderSigning(example);
        if (Files.exists(example.dir().resolve("chunk-1-signature.txt"))) {
            assertChunkSignatures(example, signed);
        }
    }

    @Test
    void signingKeyMatchesTheDocumentedKey() {
        Path keyFile = EXAMPLES.resolve("signing-key-20130524-us-east-1-s3.hex");
        String[] parts = keyFile.getFileName().toString().replace(".hex", "").split("-");
        Instant day = LocalDateTime.parse(parts[2] + "T000000Z", AMZ_DATE).toInstant(ZoneOffset.UTC);
        String secret = Example.load(EXAMPLES.resolve("get-object-range")).string("secret_access_key");

        byte[] key = new SigningScope(day, parts[3] + "-" + parts[4] + "-" + parts[5], parts[6]).signingKey(secret);

        assertEquals(VectorFiles.text(keyFile).trim(), Digests.hex(key));
    }

    private static SignedRequest assertHeaderSigning(Example example) {
        SignedRequest signed = SigV4Signer.forS3(example.string("region"))
                .sign(example.signable(), example.credentials(), example.time());
        assertAll(
                () -> assertEquals(example.file("canonical-request.txt"), signed.canonicalRequest(), "canonical request"),
                () -> assertEquals(example.file("string-to-sign.txt"), signed.stringToSign(), "string to sign"),
                () -> assertEquals(example.file("signature.txt"), signed.signature(), "signature"),
                () -> assertEquals(example.file("authorization.txt"), AddedHeaders.authorization(signed), "Authorization"),
                () -> assertEquals(example.header("x-amz-date"), AddedHeaders.header(signed, "X-Amz-Date").orElseThrow(), "X-Amz-Date"),
                () -> assertEquals(example.header("x-amz-content-sha256"),
                        AddedHeaders.header(signed, "x-amz-content-sha256").orElseThrow(), "x-amz-content-sha256"),
                () -> {
                    if (example.context().containsKey("body")) {
                        assertEquals(example.string("payload_hash"), Digests.sha256Hex(example.string("body")), "body hash");
                    }
                });
        return signed;
    }

    /**
     * Signs the documented object chunk by chunk and checks every chunk's string to sign and
     * signature, the trailer when the example has one, and the body layout when documented.
     */
    private static void assertChunkSignatures(Example example, SignedRequest signed) {
        ChunkedObject object = ChunkedObject.documented();
        List<ChunkSigner.SignedChunk> chunks = new ArrayList<>();
        ChunkSigner signer = signed.chunkSigner();
        for (int offset = 0; offset < object.data().length; offset += object.chunkSize()) {
            int length = Math.min(object.chunkSize(), object.data().length - offset);
            ChunkSigner.SignedChunk chunk = signer.sign(List.of(ByteBuffer.wrap(object.data(), offset, length)));
            chunks.add(chunk);
            signer = chunk.next();
        }
        ChunkSigner.SignedChunk last = signer.sign(List.of());
        chunks.add(last);

        assertEquals(Long.parseLong(example.header("x-amz-decoded-content-length")), object.data().length);
        int expectedChunks = 0;
        while (Files.exists(example.dir().resolve("chunk-" + (expectedChunks + 1) + "-signature.txt"))) {
            expectedChunks++;
        }
        assertEquals(expectedChunks, chunks.size(), "number of chunks");
        for (int i = 0; i < chunks.size(); i++) {
            int n = i + 1;
            ChunkSigner.SignedChunk chunk = chunks.get(i);
            assertAll("chunk " + n,
                    () -> assertEquals(example.file("chunk-" + n + "-string-to-sign.txt"), chunk.stringToSign()),
                    () -> assertEquals(example.file("chunk-" + n + "-signature.txt"), chunk.signature()));
        }
        if (Files.exists(example.dir().resolve("trailer-signature.txt"))) {
            TrailerSigning.SignedTrailer trailer = TrailerSigning.sign(last, example.credentials().secretAccessKey(),
                    List.of(Map.entry(example.header("x-amz-trailer"), object.crc32cBase64())));
            assertAll("trailer",
                    () -> assertEquals(example.file("trailer-string-to-sign.txt"), trailer.stringToSign()),
                    () -> assertEquals(example.file("trailer-signature.txt"), trailer.signature()));
        }
        if (Files.exists(example.dir().resolve("body-layout.txt"))) {
            assertBodyLayout(example, object, chunks);
        }
    }

    /** body-layout.txt: one line per chunk (header with the chunk's signature, data size), then the total. */
    private static void assertBodyLayout(Example example, ChunkedObject object, List<ChunkSigner.SignedChunk> chunks) {
        Pattern chunkLine = Pattern.compile(
                "([0-9a-f]+);chunk-signature=<chunk-(\\d+)-signature>\\\\r\\\\n(?:<(\\d+) x '(.)'>)?\\\\r\\\\n");
        Pattern totalLine = Pattern.compile("total = (\\d+) bytes = Content-Length");
        List<String> lines = VectorFiles.lines(example.file("body-layout.txt"));

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int offset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            ChunkSigner.SignedChunk chunk = chunks.get(i);
            Matcher m = chunkLine.matcher(lines.get(i + 1));
            assertTrue(m.matches(), "layout line " + (i + 2));
            String documentedHeader = m.group(1) + ";chunk-signature=" + example.file("chunk-" + m.group(2) + "-signature.txt")
                    + "\r\n";
            byte[] header = AwsChunkedEncoding.chunkHeader(chunk.length(), chunk.signature());
            assertEquals(documentedHeader, new String(header, StandardCharsets.US_ASCII), "chunk " + (i + 1) + " header");
            assertEquals(m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), chunk.length(), "chunk " + (i + 1) + " size");
            body.writeBytes(header);
            body.write(object.data(), offset, chunk.length());
            body.writeBytes(AwsChunkedEncoding.chunkEnd());
            offset += chunk.length();
        }
        Matcher total = totalLine.matcher(lines.get(chunks.size() + 1));
        assertTrue(total.matches(), "total line");
        long documentedTotal = Long.parseLong(total.group(1));
        assertAll("content length",
                () -> assertEquals(documentedTotal, body.size(), "encoded body"),
                () -> assertEquals(documentedTotal, AwsChunkedEncoding.encodedLength(object.data().length, object.chunkSize())),
                () -> assertEquals(documentedTotal, Long.parseLong(example.header("Content-Length")), "signed Content-Length"));
    }

    /** One example folder: {@code context.json} and its expected files. */
    private record Example(Path dir, Map<String, Object> context) {

        static Example load(Path dir) {
            return new Example(dir, VectorFiles.json(dir.resolve("context.json")));
        }

        String file(String name) {
            return VectorFiles.text(dir.resolve(name));
        }

        String string(String key) {
            return (String) context.get(key);
        }

        Credentials credentials() {
            return Credentials.of(string("access_key_id"), string("secret_access_key"), null);
        }

        Instant time() {
            return LocalDateTime.parse(string("amz_date"), AMZ_DATE).toInstant(ZoneOffset.UTC);
        }

        @SuppressWarnings("unchecked")
        List<Map.Entry<String, String>> pairs(String key) {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            for (List<String> pair : (List<List<String>>) context.get(key)) {
                out.add(Map.entry(pair.get(0), pair.get(1)));
            }
            return out;
        }

        String header(String name) {
            return pairs("headers").stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElseThrow();
        }

        /** The example request as the S3 client would build it: key and query encoded by SigV4Encoding. */
        SignableRequest signable() {
            List<Map.Entry<String, String>> extra = pairs("headers").stream()
                    .filter(h -> !SIGNER_OWNED.contains(h.getKey().toLowerCase(Locale.ROOT))).toList();
            return new SignableRequest(string("method"), header("Host"),
                    SigV4Encoding.encodePath(string("path_unencoded")), SigV4Encoding.encodeQuery(pairs("query")),
                    extra, string("payload_hash"));
        }
    }

    /** The object of the chunked examples, as the first line of put-object-chunked/body-layout.txt describes it. */
    private record ChunkedObject(byte[] data, int chunkSize) {

        static ChunkedObject documented() {
            String first = VectorFiles.lines(VectorFiles.text(EXAMPLES.resolve("put-object-chunked/body-layout.txt"))).get(0);
            Matcher m = Pattern.compile("(\\d+) bytes of '(.)' \\(0x[0-9a-f]+\\) sent as chunks of (\\d+) .*").matcher(first);
            assertTrue(m.matches(), "body-layout.txt first line");
            byte[] data = new byte[Integer.parseInt(m.group(1))];
            Arrays.fill(data, (byte) m.group(2).charAt(0));
            return new ChunkedObject(data, Integer.parseInt(m.group(3)));
        }

        String crc32cBase64() {
            CRC32C crc = new CRC32C();
            crc.update(data);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
    }
}
