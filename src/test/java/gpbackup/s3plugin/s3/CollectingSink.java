package gpbackup.s3plugin.s3;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A {@link BodySink} for tests: keeps the bytes of the latest attempt and the length each attempt announced. */
final class CollectingSink implements BodySink {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<Long> announced = new ArrayList<>();

    @Override
    public synchronized void begin(long length) {
        announced.add(length);
        bytes.reset();
    }

    @Override
    public synchronized void accept(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.get(copy);
        bytes.writeBytes(copy);
    }

    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    /** The length each attempt's answer announced, in order. */
    synchronized List<Long> announced() {
        return List.copyOf(announced);
    }
}
