package gpbackup.s3plugin.xml;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gpbackup.s3plugin.s3.WireMockS3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading S3's small XML documents, and never resolving what a hostile server puts in a DTD. */
class XmlElementTest {
    private static final String SECRET_TEXT = "TOP-SECRET-FILE-CONTENT";

    @RegisterExtension
    final WireMockExtension server = WireMockExtension.newInstance().options(WireMockS3.serverOptions()).build();

    /** Parses, or fails with IllegalArgumentException; either way returns everything the document yielded. */
    private static String everythingReadFrom(String xml) {
        try {
            return XmlElement.parse(xml).toString();
        } catch (IllegalArgumentException refused) {
            return String.valueOf(refused.getMessage());
        }
    }

    @Test
    void readsChildrenTextAndRepeatedElementsInOrder() {
        XmlElement root = XmlElement.parse("""
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Name>bucket</Name>
                  <Contents><Key>a</Key><Size>1</Size></Contents>
                  <Contents><Key>b</Key><Size>22</Size></Contents>
                  <IsTruncated>false</IsTruncated>
                </ListBucketResult>
                """);
        assertEquals("ListBucketResult", root.name());
        assertEquals(Optional.of("bucket"), root.childText("Name"));
        assertEquals(List.of("a", "b"), root.all("Contents").stream()
                .map(c -> c.childText("Key").orElseThrow()).toList());
        assertEquals(Optional.of("22"), root.all("Contents").get(1).childText("Size"));
        assertEquals(Optional.empty(), root.childText("NextContinuationToken"));
        assertEquals(List.of(), root.all("CommonPrefixes"));
    }

    @Test
    void decodesPredefinedEntitiesCharacterReferencesAndCdata() {
        XmlElement root = XmlElement.parse(
                "<R><ETag>&quot;abc&quot;</ETag><Key>a &amp; b &lt;c&gt; &#233;</Key><M><![CDATA[x<y]]></M></R>");
        assertEquals(Optional.of("\"abc\""), root.childText("ETag"));
        assertEquals(Optional.of("a & b <c> \u00e9"), root.childText("Key"));
        assertEquals(Optional.of("x<y"), root.childText("M"));
    }

    @Test
    void keepsSpacesThatArePartOfAKey() {
        XmlElement root = XmlElement.parse("<Contents><Key> leading and trailing </Key></Contents>");
        assertEquals(Optional.of(" leading and trailing "), root.childText("Key"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not xml", "<Error><Code>x</Error>", "<a>", "<html><hr></html>"})
    void malformedDocumentsAreRefusedWithIllegalArgument(String text) {
        assertThrows(IllegalArgumentException.class, () -> XmlElement.parse(text));
    }

    @Test
    void externalEntityPointingAtALocalFileIsNotResolved(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, SECRET_TEXT);
        String read = everythingReadFrom("<?xml version=\"1.0\"?>\n<!DOCTYPE Error [\n"
                + "  <!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">\n]>\n"
                + "<Error><Code>NoSuchKey</Code><Message>&xxe;</Message></Error>");
        assertFalse(read.contains(SECRET_TEXT), read);
    }

    @Test
    void externalDtdAndParameterEntitiesAreNeverFetched(@TempDir Path dir) throws IOException {
        server.stubFor(get(anyUrl()).willReturn(ok("<!ENTITY leak \"" + SECRET_TEXT + "\">")));
        Path localDtd = dir.resolve("evil.dtd");
        Files.writeString(localDtd, "<!ENTITY leak \"" + SECRET_TEXT + "\">");
        String base = "http://127.0.0.1:" + server.getPort();
        List<String> documents = List.of(
                "<!DOCTYPE Error SYSTEM \"" + base + "/evil.dtd\"><Error><Code>&leak;</Code></Error>",
                "<!DOCTYPE Error SYSTEM \"" + localDtd.toUri() + "\"><Error><Code>&leak;</Code></Error>",
                "<!DOCTYPE Error [<!ENTITY % p SYSTEM \"" + base + "/p.dtd\"> %p;]><Error><Code>&leak;</Code></Error>",
                "<!DOCTYPE Error [<!ENTITY x SYSTEM \"" + base + "/x\">]><Error><Code>&x;</Code></Error>");
        for (String document : documents) {
            String read = everythingReadFrom(document);
            assertFalse(read.contains(SECRET_TEXT), read);
        }
        assertEquals(0, server.findAll(anyRequestedFor(anyUrl())).size(), "the parser fetched a DTD or entity");
    }

    @Test
    void entityExpansionBombIsNotExpanded() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol0 \"lollollollollollollollollollol\">");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i - 1) + ";").repeat(10)).append("\">");
        }
        String bomb = dtd + "]><Error><Code>&lol9;</Code></Error>";
        String read = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> everythingReadFrom(bomb));
        assertFalse(read.contains("lollollol"), "entities were expanded: " + read.length() + " characters");
    }
}
