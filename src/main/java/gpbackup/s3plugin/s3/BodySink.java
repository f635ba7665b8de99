package gpbackup.s3plugin.s3;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the body of a successful GET lands as the HTTP client delivers it, on the client's
 * thread. A retried request starts over with {@link #begin}; the engine checks the length, so a
 * sink never sees more bytes than announced, and a body that ends short is retried, not returned.
 */
public interface BodySink {
    /** An answer of {@code length} bytes begins; whatever an earlier attempt delivered is void. */
    void begin(long length) throws IOException;

    /** The next bytes, to be copied before returning: the buffer is the client's to reuse. */
    void accept(ByteBuffer bytes) throws IOException;
}
