package gpbackup.s3plugin.command.audit;

import gpbackup.s3plugin.Program;
import gpbackup.s3plugin.audit.AuditSummary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code gpbackup_s3_plugin audit_summary FILE}: the per-backup summary of an audit trail. For
 * auditors, who have the plugin and its trail but maybe no config: it reads a local file only.
 */
public final class AuditSummaryCommand {
    public static final String NAME = "audit_summary";

    private AuditSummaryCommand() {
    }

    public static int run(List<String> args, OutputStream stdout, PrintStream stderr) {
        if (args.size() != 1) {
            stderr.println(Program.NAME + ": invalid number of arguments to " + NAME + ": expected 1 (the audit_log"
                    + " file), got " + args.size());
            return 1;
        }
        Path file = Path.of(args.get(0));
        AuditSummary summary;
        // Replacing malformed UTF-8 rather than failing: a line torn by a full disk may end mid-character.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
            summary = AuditSummary.read(in);
        } catch (IOException e) {
            stderr.println(Program.NAME + ": " + NAME + ": cannot read " + file + ": " + Program.oneLine(e));
            return 1;
        }
        try {
            stdout.write(summary.render().getBytes(StandardCharsets.UTF_8));
            stdout.flush();
        } catch (IOException e) {
            stderr.println(Program.NAME + ": " + NAME + ": cannot write the summary: " + Program.oneLine(e));
            return 1;
        }
        return 0;
    }
}
