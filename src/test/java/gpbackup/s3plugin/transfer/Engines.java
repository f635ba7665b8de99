package gpbackup.s3plugin.transfer;

import gpbackup.s3plugin.log.PluginLog;
import gpbackup.s3plugin.s3.S3Client;

/** Uploaders and downloaders as tests want them: fixed part and piece sizes, in a pool of their own just large enough. */
final class Engines {
    private Engines() {
    }

    /** Every part the same size. */
    static PartPlan fixedParts(long partSize) {
        return new PartPlan(partSize, partSize, PartPlan.PARTS_PER_SIZE);
    }

    static StreamUploader uploader(ObjectStorage storage, long partSize, int concurrency, PluginLog log) {
        return uploader(storage, partSize, concurrency, log, StreamUploader.MAX_PARTS);
    }

    static StreamUploader uploader(ObjectStorage storage, long partSize, int concurrency, PluginLog log,
                                   int maxParts) {
        BufferPool pool = new BufferPool(BufferPool.wholeBlocks(partSize) * (concurrency + 2));
        return new StreamUploader(storage, fixedParts(partSize), concurrency, pool, log, maxParts);
    }

    static StreamUploader uploader(S3Client s3, long partSize, int concurrency, PluginLog log) {
        return uploader(new S3Storage(s3), partSize, concurrency, log);
    }

    static RangedDownloader downloader(ObjectStorage storage, long pieceSize, int concurrency) {
        return new RangedDownloader(storage, pieceSize, concurrency,
                new BufferPool(BufferPool.wholeBlocks(pieceSize) * concurrency));
    }

    static RangedDownloader downloader(S3Client s3, long pieceSize, int concurrency) {
        return downloader(new S3Storage(s3), pieceSize, concurrency);
    }
}
