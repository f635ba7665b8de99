package gpbackup.s3plugin.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads an audit trail the way a test must: strict UTF-8, every line one whole JSON object. */
public final class AuditTrailFile {
    private AuditTrailFile() {
    }

    /** Every line as an object; fails on the first byte that is not UTF-8 or line that is not JSON. */
    public static List<Map<String, Object>> lines(Path file) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("the audit trail is not UTF-8: " + e);
        }
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the audit trail's last line is not whole");
        }
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                lines.add(StrictJson.object(line));
            }
        }
        return lines;
    }
}
