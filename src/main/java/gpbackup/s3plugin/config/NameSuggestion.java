package gpbackup.s3plugin.config;

import java.util.Collection;
import java.util.Optional;

/** Points a misspelt name to the known name it was probably meant to be. */
public final class NameSuggestion {

    /** Two edits catch a swapped, missing or extra letter without guessing wildly. */
    private static final int MAX_DISTANCE = 2;

    private NameSuggestion() {
    }

    /** {@code " (did you mean 'x'?)"} for the closest known name, or empty when none is close. */
    static String didYouMean(String name, Collection<String> known) {
        return nearest(name, known).map(best -> " (did you mean '" + best + "'?)").orElse("");
    }

    /** The known name closest to {@code name}, when one is at most two edits away. */
    public static Optional<String> nearest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : known) {
            int distance = editDistance(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each. */
    static int editDistance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > MAX_DISTANCE) {
            return MAX_DISTANCE + 1; // no need to fill the table for a hopeless pair
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
