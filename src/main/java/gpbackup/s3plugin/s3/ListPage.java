package gpbackup.s3plugin.s3;

import java.util.List;
import java.util.Optional;

/** One page of a ListObjectsV2 answer and the token for the next page, if any. */
public record ListPage(List<ObjectSummary> objects, Optional<String> nextToken) {
}
