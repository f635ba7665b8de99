package gpbackup.s3plugin.s3;

import java.io.IOException;
import java.io.InputStream;

/**
 * Consumes the body of a ranged GET. It may be called again with a fresh stream when a read
 * fails part-way and the request is retried, so it must start over each time.
 */
@FunctionalInterface
public interface RangeReader {
    void read(InputStream body, long length) throws IOException;
}
