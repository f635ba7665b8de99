package gpbackup.s3plugin.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A profile's {@code credential_process}: a program that prints credentials as JSON
 * ({@code Version} 1, {@code AccessKeyId}, {@code SecretAccessKey}, optional {@code SessionToken}
 * and {@code Expiration}).
 *
 * <p>The command line is split into words as the AWS CLI does (white space separates, single and
 * double quotes group, a backslash escapes the next character) and run without a shell, so nothing
 * in it is expanded; a command that needs a pipe or a variable says {@code sh -c '...'} itself.
 * It gets {@link #TIMEOUT} to answer. Neither its output nor its stderr is ever shown: both may
 * hold secrets; its stderr is discarded and a failure names only the exit code.
 */
public record ProcessCredentialsProvider(String commandLine, String profile, Duration timeout)
        implements CredentialsProvider {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** More than any credentials document; a runaway program cannot fill the heap. */
    private static final int MAX_OUTPUT = 64 * 1024;

    public ProcessCredentialsProvider(String commandLine, String profile) {
        this(commandLine, profile, TIMEOUT);
    }

    @Override
    public Credentials credentials() {
        List<String> command = split(commandLine);
        if (command.isEmpty()) {
            throw new CredentialsException(where() + " is empty");
        }
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new CredentialsException(where() + " cannot run '" + command.get(0) + "': "
                    + e.getClass().getSimpleName());
        }
        // Read while it runs, on a thread of its own: a program blocked on a full pipe never exits.
        FutureTask<byte[]> output = new FutureTask<>(() -> readLimited(process.getInputStream()));
        Thread reader = new Thread(output, "credential_process output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new CredentialsException(where() + " did not finish within " + timeout.toSeconds() + " s");
            }
            byte[] bytes = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (process.exitValue() != 0) {
                throw new CredentialsException(where() + " exited with code " + process.exitValue());
            }
            return parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while waiting for " + where(), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new CredentialsException("cannot read the output of " + where());
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static byte[] readLimited(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                if (out.size() < MAX_OUTPUT) {
                    out.write(buffer, 0, Math.min(n, MAX_OUTPUT - out.size()));
                }
                // Past the limit, keep draining so the program is not blocked on a full pipe.
            }
        } catch (IOException e) {
            // The process ended or was killed; what was read is judged by the parser.
        }
        return out.toByteArray();
    }

    private Credentials parse(String json) {
        CredentialsJson document = CredentialsJson.parse(json, where() + " printed something that is not a JSON object");
        String version = document.member("Version").orElse(null);
        if (!"1".equals(version)) {
            throw new CredentialsException(where() + " printed " + (version == null ? "no Version"
                    : "Version " + (version.matches("[0-9]{1,4}") ? version : "(not a number)")) + "; 1 is required");
        }
        return document.credentials("SessionToken", where() + " printed no AccessKeyId or no SecretAccessKey",
                where() + " printed an unreadable Expiration (ISO 8601 is required)");
    }

    private String where() {
        return "credential_process of profile '" + profile + "'";
    }

    /** Splits like the AWS CLI's shlex-style reading: quotes group words, a backslash escapes. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new CredentialsException("credential_process has an unclosed " + quote + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    @Override
    public String toString() {
        return "profile '" + profile + "': credential_process";
    }
}
