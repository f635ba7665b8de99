package gpbackup.s3plugin.command.check;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code check}'s output: each result printed on stdout as soon as it is known (a person watches
 * the slower network checks arrive), the failures counted for the exit status.
 */
final class Checklist {
    private final OutputStream stdout;
    private int failures;
    private int warnings;

    Checklist(OutputStream stdout) {
        this.stdout = stdout;
    }

    /** Prints the result; returns whether it passed or merely warned, so a caller can stop at a failure. */
    boolean add(CheckResult result) throws IOException {
        if (result.isFailure()) {
            failures++;
        } else if (result.outcome() == CheckResult.Outcome.WARNING) {
            warnings++;
        }
        print(result.text());
        return !result.isFailure();
    }

    void print(String line) throws IOException {
        stdout.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdout.flush();
    }

    int failures() {
        return failures;
    }

    int warnings() {
        return warnings;
    }
}
