package gpbackup.s3plugin.command.check;

import java.util.Optional;

/**
 * One line of {@code check}'s checklist: what was checked, how it went, what was found, and for
 * anything short of a pass, what to do about it.
 *
 * @param fix what to change, for a warning or a failure
 */
record CheckResult(String name, Outcome outcome, String detail, Optional<String> fix) {

    /** How one check went; only a failure means a backup would not work. */
    enum Outcome {
        PASSED("✓"),
        /** Works now, but worth fixing before it does not. */
        WARNING("!"),
        FAILED("✗"),
        /** Not tried: an earlier check failed, or the option asked not to. */
        SKIPPED("-");

        private final String mark;

        Outcome(String mark) {
            this.mark = mark;
        }

        String mark() {
            return mark;
        }
    }

    static CheckResult passed(String name, String detail) {
        return new CheckResult(name, Outcome.PASSED, detail, Optional.empty());
    }

    static CheckResult warning(String name, String detail, String fix) {
        return new CheckResult(name, Outcome.WARNING, detail, Optional.of(fix));
    }

    static CheckResult failed(String name, String detail, String fix) {
        return new CheckResult(name, Outcome.FAILED, detail, Optional.of(fix));
    }

    static CheckResult skipped(String name, String why) {
        return new CheckResult(name, Outcome.SKIPPED, why, Optional.empty());
    }

    boolean isFailure() {
        return outcome == Outcome.FAILED;
    }

    /** The line as printed, and the fix on a line of its own under it. */
    String text() {
        return outcome.mark() + " " + name + ": " + detail + fix.map(f -> "\n    fix: " + f).orElse("");
    }
}
