package gpbackup.s3plugin.transfer;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A buffer pool whose block allocations a test can count and follow. */
final class CountedPool {
    private final List<WeakReference<ByteBuffer>> blocks = new CopyOnWriteArrayList<>();
    private final BufferPool pool;

    CountedPool(long limitBytes) {
        this(limitBytes, BufferPool.IDLE_RELEASE);
    }

    CountedPool(long limitBytes, Duration idleRelease) {
        pool = new BufferPool(limitBytes, idleRelease, () -> {
            ByteBuffer block = ByteBuffer.allocateDirect(BufferPool.BLOCK_SIZE);
            blocks.add(new WeakReference<>(block));
            return block;
        }, System::gc);
    }

    BufferPool pool() {
        return pool;
    }

    /** Blocks ever allocated. */
    int blocksAllocated() {
        return blocks.size();
    }

    /** Blocks allocated and still reachable (held by the pool or a part), as far as the last GC knows. */
    long blocksReachable() {
        return blocks.stream().filter(ref -> ref.get() != null).count();
    }
}
