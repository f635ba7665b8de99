package gpbackup.s3plugin.command.check;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * This host's clock against the server's, read from the {@code Date} header of every answer,
 * refusals included. SigV4 requests are refused beyond 15 minutes of difference, and a clock
 * drifting that way is worth a warning well before.
 */
final class ServerClock {
    /** S3 refuses a signature dated further than this from its own time (RequestTimeTooSkewed). */
    static final Duration REFUSED_BEYOND = Duration.ofMinutes(15);
    static final Duration WARN_BEYOND = Duration.ofMinutes(1);
    /** The header has whole seconds, and the answer took time to arrive: a difference this small is noise. */
    private static final Duration RESOLUTION = Duration.ofSeconds(2);

    private final Clock clock;
    private Duration offset;
    private int answers;

    ServerClock(Clock clock) {
        this.clock = clock;
    }

    /** Reads one answer's {@code Date}; for {@code HttpTransport.watchedBy}, on the HTTP client's thread. */
    synchronized void answered(HttpResponse.ResponseInfo answer) {
        Instant now = clock.instant();
        answer.headers().firstValue("Date").flatMap(ServerClock::parse).ifPresent(serverTime -> {
            offset = Duration.between(now, serverTime);
            answers++;
        });
    }

    private static Optional<Instant> parse(String date) {
        try {
            return Optional.of(ZonedDateTime.parse(date.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty(); // a proxy's odd header must not fail the check; no answer compares then
        }
    }

    synchronized CheckResult verdict() {
        if (offset == null) {
            return CheckResult.skipped("clock", "not compared: no answer from the server carried a Date header");
        }
        Duration gap = offset.abs();
        String seen = "by the Date header of " + answers + (answers == 1 ? " answer" : " answers");
        if (gap.compareTo(RESOLUTION) <= 0) {
            return CheckResult.passed("clock", "within " + RESOLUTION.toSeconds() + " s of the server's, " + seen);
        }
        String difference = "this host's clock is " + describe(gap) + (offset.isNegative() ? " ahead of" : " behind")
                + " the server's, " + seen;
        String fix = "synchronise this host's clock (chronyd or ntpd, e.g. chronyc makestep); SigV4 requests are"
                + " refused beyond " + REFUSED_BEYOND.toMinutes() + " minutes of difference";
        if (gap.compareTo(REFUSED_BEYOND) >= 0) {
            return CheckResult.failed("clock", difference + ": every request will be refused", fix);
        }
        if (gap.compareTo(WARN_BEYOND) > 0) {
            return CheckResult.warning("clock", difference, fix);
        }
        return CheckResult.passed("clock", difference);
    }

    /** "2 h 5 min 3 s", "40 s". */
    static String describe(Duration gap) {
        long seconds = gap.toSeconds();
        StringBuilder text = new StringBuilder();
        if (seconds >= 3600) {
            text.append(seconds / 3600).append(" h ");
        }
        if (seconds >= 60) {
            text.append(seconds % 3600 / 60).append(" min ");
        }
        text.append(seconds % 60).append(" s");
        return text.toString();
    }
}
