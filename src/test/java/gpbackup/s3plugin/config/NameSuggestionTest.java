package gpbackup.s3plugin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NameSuggestionTest {

    @ParameterizedTest(name = "{0} suggests \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            regoin                          | " (did you mean 'region'?)"
            Bucket                          | " (did you mean 'bucket'?)"
            folders                         | " (did you mean 'folder'?)"
            backup_max_concurent_requests   | " (did you mean 'backup_max_concurrent_requests'?)"
            encrypt                         | ""
            compression                     | ""
            """)
    void suggestsAKnownOptionWithinTwoEdits(String name, String suggestion) {
        assertEquals(suggestion, NameSuggestion.didYouMean(name, ConfigRules.KNOWN_OPTIONS));
    }

    @ParameterizedTest(name = "{0} to {1} is {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""      | ""      | 0
            abc     | abc     | 0
            abc     | abd     | 1
            abc     | ab      | 1
            ab      | ba      | 2
            kitten  | sitting | 3
            """)
    void editDistanceCountsSingleCharacterEdits(String a, String b, int distance) {
        assertEquals(distance, NameSuggestion.editDistance(a, b));
    }
}
