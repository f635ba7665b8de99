package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.http.HttpClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * The EC2 instance role, from the instance metadata service: IMDSv2 (a session token from
 * {@code PUT /latest/api/token}, then the role and its credentials), falling back to IMDSv1 when
 * the token request is refused with 403/404/405, fails in any way but 400, or times out.
 *
 * <p>Timeouts are a second ({@value #TIMEOUT_VARIABLE} changes it) so that a host outside EC2 is not held up. The metadata service
 * is link-local and never reached through a proxy. {@code AWS_EC2_METADATA_DISABLED=true} turns
 * this source off without any network I/O; {@code AWS_EC2_METADATA_SERVICE_ENDPOINT} moves it.
 *
 * <p>Every failure here is "not available" ({@link SourceNotConfiguredException}), as in botocore and
 * the SDKs: nothing on a host says an instance role is meant, so an unreachable service or a missing
 * role is absence, and the chain's "no AWS credentials found" line shows what this source said. As a
 * profile's {@code credential_source} the same failure is the role's failure.
 */
public final class InstanceMetadataCredentialsProvider implements CredentialsProvider {
    public static final String DEFAULT_ENDPOINT = "http://169.254.169.254";
    static final String TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    static final int TOKEN_TTL_SECONDS = 21600;
    /** Seconds each request may take; botocore and the AWS CLI read the same variable (default 1). */
    static final String TIMEOUT_VARIABLE = "AWS_METADATA_SERVICE_TIMEOUT";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    private static final String ROLE_PATH = "/latest/meta-data/iam/security-credentials/";

    private final Function<String, String> environment;
    private final Clock clock;
    private HttpClient http;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String token;
    private Instant tokenExpiry = Instant.MIN;

    public InstanceMetadataCredentialsProvider(Function<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    private HttpClient http() {
        if (http == null) {
            // Built on first use: most processes get their keys elsewhere and never need it.
            http = HttpClients.direct(timeout);
        }
        return http;
    }

    @Override
    public synchronized Credentials credentials() {
        try {
            return fetch();
        } catch (SourceNotConfiguredException e) {
            throw e;
        } catch (CredentialsException e) {
            throw new SourceNotConfiguredException(e.getMessage(), e);
        }
    }

    private Credentials fetch() {
        if ("true".equalsIgnoreCase(String.valueOf(environment.apply("AWS_EC2_METADATA_DISABLED")).strip())) {
            throw new CredentialsException("disabled by AWS_EC2_METADATA_DISABLED");
        }
        String base = AwsConfigFiles.nonEmpty(environment.apply("AWS_EC2_METADATA_SERVICE_ENDPOINT"))
                .orElse(DEFAULT_ENDPOINT).replaceAll("/+$", "");
        AwsConfigFiles.httpUrl(base + "/", "AWS_EC2_METADATA_SERVICE_ENDPOINT");
        timeout(AwsConfigFiles.nonEmpty(environment.apply(TIMEOUT_VARIABLE)).map(String::strip));
        // One token request, or one fallback to IMDSv1, serves both GETs: a host whose token
        // request times out loses that time once per refresh, not once per GET.
        boolean withToken = token(base).isPresent();
        String role = get(base, ROLE_PATH, withToken).lines().map(String::strip).filter(l -> !l.isEmpty())
                .findFirst().orElseThrow(() -> new CredentialsException("no IAM role is attached to this instance"));
        return parseCredentials(get(base, ROLE_PATH + role, withToken), role);
    }

    private void timeout(Optional<String> seconds) {
        if (seconds.isPresent() && !seconds.get().matches("0*[1-9][0-9]{0,3}")) {
            throw new CredentialsException(TIMEOUT_VARIABLE + " must be a whole number of seconds from 1 to 9999");
        }
        Duration configured = seconds.map(Long::parseLong).map(Duration::ofSeconds).orElse(DEFAULT_TIMEOUT);
        if (!configured.equals(timeout)) {
            timeout = configured;
            http = null;
        }
    }

    /** A GET with the session token when there is one; a 401 means the token expired: fetch one more. */
    private String get(String base, String path, boolean withToken) {
        Optional<String> sessionToken = withToken ? token(base) : Optional.empty();
        HttpResponse<String> response = send(base, "GET", path, sessionToken);
        if (response.statusCode() == 401 && sessionToken.isPresent()) {
            tokenExpiry = Instant.MIN;
            response = send(base, "GET", path, token(base));
        }
        if (response.statusCode() == 404) {
            throw new CredentialsException("no IAM role is attached to this instance (" + base + " answered 404)");
        }
        if (response.statusCode() != 200) {
            throw new CredentialsException(base + " answered HTTP " + response.statusCode() + " for " + path);
        }
        return response.body();
    }

    /** The IMDSv2 session token, reused while valid; empty means "use IMDSv1". */
    private Optional<String> token(String base) {
        Instant now = clock.instant();
        if (token != null && now.isBefore(tokenExpiry)) {
            return Optional.of(token);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/latest/api/token"))
                .timeout(timeout)
                .header(TOKEN_TTL_HEADER, Integer.toString(TOKEN_TTL_SECONDS))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response;
        try {
            response = http().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            token = null;
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while asking " + base + " for a token", e);
        }
        if (response.statusCode() == 400) {
            throw new CredentialsException(base + " refused the IMDSv2 token request (HTTP 400)");
        }
        if (response.statusCode() != 200 || response.body().isBlank()) {
            token = null;
            return Optional.empty();
        }
        token = response.body().strip();
        // Renew a minute early so a token never expires between fetching and using it.
        tokenExpiry = now.plusSeconds(TOKEN_TTL_SECONDS - 60);
        return Optional.of(token);
    }

    private HttpResponse<String> send(String base, String method, String path, Optional<String> sessionToken) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
        sessionToken.ifPresent(t -> builder.header(TOKEN_HEADER, t));
        try {
            return http().send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new CredentialsException("no answer from " + base + " within " + timeout.toMillis() + " ms"
                    + " (not an EC2 instance?)");
        } catch (IOException e) {
            throw new CredentialsException("cannot reach " + base + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while asking " + base, e);
        }
    }

    private static Credentials parseCredentials(String json, String role) {
        String answer = "instance role '" + role + "' answer";
        CredentialsJson document = CredentialsJson.parse(json, answer + " is not a JSON object");
        String code = document.member("Code").orElse("Success");
        if (!code.equals("Success")) {
            throw new CredentialsException("instance role '" + role + "' credentials are not available: " + code);
        }
        return document.credentials("Token", answer + " lacks AccessKeyId or SecretAccessKey",
                answer + " has an unreadable Expiration");
    }

    @Override
    public String toString() {
        return "EC2 instance metadata";
    }
}
