package gpbackup.s3plugin.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SigV4EncodingTest {

    @Test
    void spaceIsPercentTwentyNeverPlus() {
        assertEquals("a%20b", SigV4Encoding.encode("a b"));
    }

    @Test
    void plusAsteriskAndEqualsAreEncoded() {
        assertEquals("a%2Bb%2Ac%3Dd%26e", SigV4Encoding.encode("a+b*c=d&e"));
    }

    @Test
    void unreservedCharactersStayAsTheyAre() {
        String unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        assertEquals(unreserved, SigV4Encoding.encode(unreserved));
    }

    @Test
    void slashIsEncodedInAComponentButKeptInAPath() {
        assertEquals("a%2Fb", SigV4Encoding.encode("a/b"));
        assertEquals("a/b", SigV4Encoding.encodePath("a/b"));
    }

    @Test
    void pathKeepsLeadingTrailingAndRepeatedSlashesAndDotSegments() {
        assertEquals("/my-object//example//photo.user", SigV4Encoding.encodePath("/my-object//example//photo.user"));
        assertEquals("dir/../x/", SigV4Encoding.encodePath("dir/../x/"));
        assertEquals("", SigV4Encoding.encodePath(""));
        assertEquals("/", SigV4Encoding.encodePath("/"));
    }

    @Test
    void utf8IsEncodedBytewiseWithUpperCaseHex() {
        assertEquals("%C3%BC", SigV4Encoding.encode("ü"));
        assertEquals("%E1%88%B4", SigV4Encoding.encode("ሴ"));
        assertEquals("photos/2024/%C3%BC.jpg", SigV4Encoding.encodePath("photos/2024/ü.jpg"));
    }

    @Test
    void percentSignIsEncodedSoAKeyIsNeverDecodedTwice() {
        assertEquals("percent%2541.txt", SigV4Encoding.encode("percent%41.txt"));
    }

    @Test
    void s3DocumentationKeysEncodeAsTheirWirePaths() {
        assertEquals("test%24file.text", SigV4Encoding.encodePath("test$file.text"));
        assertEquals("tilde~star%2A.txt", SigV4Encoding.encodePath("tilde~star*.txt"));
        assertEquals("a%2Bb%3Dc%26d", SigV4Encoding.encodePath("a+b=c&d"));
    }

    @Test
    void queryIsEncodedAndSortedByNameThenValue() {
        String query = SigV4Encoding.encodeQuery(List.of(
                Map.entry("prefix", "a/b c"), Map.entry("list-type", "2"), Map.entry("events", "s3:B*"),
                Map.entry("events", "s3:A*"), Map.entry("uploads", "")));
        assertEquals("events=s3%3AA%2A&events=s3%3AB%2A&list-type=2&prefix=a%2Fb%20c&uploads=", query);
    }

    @Test
    void reencodingNormalisesEscapesWithoutDecodingToText() {
        assertEquals("%E1%88%B4", SigV4Encoding.reencode("%e1%88%b4"));
        assertEquals("%E1%88%B4", SigV4Encoding.reencode("ሴ"));
        assertEquals("%FF", SigV4Encoding.reencode("%FF"), "a lone invalid UTF-8 byte survives");
        assertEquals("%25zz", SigV4Encoding.reencode("%zz"), "a broken escape is a literal percent sign");
        assertEquals("a%2Bb", SigV4Encoding.reencode("a+b"), "plus is not a form-encoded space");
    }
}
