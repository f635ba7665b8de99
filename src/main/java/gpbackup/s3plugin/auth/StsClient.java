package gpbackup.s3plugin.auth;

import gpbackup.s3plugin.digest.Digests;
import gpbackup.s3plugin.http.HttpTransport;
import gpbackup.s3plugin.xml.XmlElement;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The two STS calls the credential sources need: {@code AssumeRole}, signed by our SigV4 signer
 * with the source credentials, and {@code AssumeRoleWithWebIdentity}, unsigned (the web identity
 * token is the proof). Both are form-encoded POSTs answered in XML.
 *
 * <p>Only throttling is retried, with backoff: an expired token or a refused role will not get
 * better by asking again, and the refreshing provider above asks again later anyway. Messages name
 * the STS error code and the server's message with every secret of the request blanked out.
 */
public final class StsClient {
    static final String VERSION = "2011-06-15";
    static final int MAX_ATTEMPTS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "RequestLimitExceeded",
            "TooManyRequestsException", "PriorRequestNotComplete");

    private final URI endpoint;
    private final String region;
    private final Supplier<HttpTransport> http;
    private final Clock clock;
    private final Backoff backoff;
    private HttpTransport client;

    StsClient(URI endpoint, String region, Supplier<HttpTransport> http, Clock clock, Backoff backoff) {
        this.endpoint = endpoint;
        this.region = region;
        this.http = http;
        this.clock = clock;
        this.backoff = backoff;
    }

    /**
     * STS for {@code region} as the environment says to reach it.
     *
     * @param httpFor the HTTP client for the endpoint (the caller picks proxy and trust for its host);
     *                built on first use
     */
    public static StsClient forRegion(String region, Function<String, String> environment, Clock clock,
                                      Function<URI, HttpTransport> httpFor) {
        URI endpoint = endpoint(region, environment);
        return new StsClient(endpoint, region, () -> httpFor.apply(endpoint), clock,
                delay -> Thread.sleep(delay.toMillis()));
    }

    /**
     * {@code AWS_ENDPOINT_URL_STS} when set; else the regional endpoint {@code https://sts.<region>.amazonaws.com}
     * (the SDKs' default today), or the global {@code https://sts.amazonaws.com} when
     * {@code AWS_STS_REGIONAL_ENDPOINTS=legacy}.
     */
    static URI endpoint(String region, Function<String, String> environment) {
        Optional<String> override = AwsConfigFiles.nonEmpty(environment.apply("AWS_ENDPOINT_URL_STS"));
        if (override.isPresent()) {
            return AwsConfigFiles.httpUrl(override.get().replaceAll("/+$", "") + "/", "AWS_ENDPOINT_URL_STS");
        }
        String mode = AwsConfigFiles.nonEmpty(environment.apply("AWS_STS_REGIONAL_ENDPOINTS")).orElse("regional");
        String suffix = region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
        if (mode.equalsIgnoreCase("legacy") && !region.startsWith("cn-")) {
            return URI.create("https://sts.amazonaws.com/");
        }
        return URI.create("https://sts." + region + suffix + "/");
    }

    public URI endpoint() {
        return endpoint;
    }

    /** What {@code AssumeRole} needs besides the source credentials. */
    public record AssumeRole(String roleArn, String sessionName, Optional<String> externalId,
                             Optional<Integer> durationSeconds) {
    }

    /** {@code AssumeRole} signed with {@code source}. */
    public Credentials assumeRole(Credentials source, AssumeRole request) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", "AssumeRole");
        form.put("Version", VERSION);
        form.put("RoleArn", request.roleArn());
        form.put("RoleSessionName", request.sessionName());
        request.externalId().ifPresent(id -> form.put("ExternalId", id));
        request.durationSeconds().ifPresent(d -> form.put("DurationSeconds", Integer.toString(d)));
        List<String> secrets = new ArrayList<>(List.of(source.secretAccessKey()));
        source.sessionToken().ifPresent(secrets::add);
        return call("AssumeRole", request.roleArn(), encode(form), Optional.of(source), secrets);
    }

    /** {@code AssumeRoleWithWebIdentity}: unsigned, the token proves who asks. */
    public Credentials assumeRoleWithWebIdentity(String roleArn, String sessionName, String webIdentityToken) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", "AssumeRoleWithWebIdentity");
        form.put("Version", VERSION);
        form.put("RoleArn", roleArn);
        form.put("RoleSessionName", sessionName);
        form.put("WebIdentityToken", webIdentityToken);
        return call("AssumeRoleWithWebIdentity", roleArn, encode(form), Optional.empty(), List.of(webIdentityToken));
    }

    private Credentials call(String action, String roleArn, String body, Optional<Credentials> signWith,
                             List<String> secrets) {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = send(action, body, signWith);
            if (response.statusCode() == 200) {
                return parseCredentials(action, roleArn, response.body());
            }
            StsError error = StsError.parse(response.statusCode(), response.body());
            if (error.isThrottling() && attempt < MAX_ATTEMPTS) {
                pause(attempt, action);
                continue;
            }
            throw new CredentialsException("STS " + action + " for " + roleArn + " at " + endpoint.getHost()
                    + " failed: " + error.describe(secrets) + hint(error.code(), action));
        }
    }

    private HttpResponse<String> send(String action, String body, Optional<Credentials> signWith) {
        String host = endpoint.getPort() == -1 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
        // No charset: the body is ASCII once form-encoded, and some servers rewrite the parameter.
        String contentType = "application/x-www-form-urlencoded";
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        signWith.ifPresent(credentials -> {
            SignableRequest signable = new SignableRequest("POST", host, endpoint.getRawPath(), "",
                    List.of(Map.entry("content-type", contentType)), Digests.sha256Hex(body));
            SignedRequest signed = SigV4Signer.forSts(region).sign(signable, credentials, clock.instant());
            signed.headersToAdd().forEach(h -> builder.header(h.getKey(), h.getValue()));
        });
        try {
            synchronized (this) {
                if (client == null) {
                    client = http.get();
                }
            }
            return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CredentialsException("STS " + action + " at " + endpoint.getHost() + " cannot be reached: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while calling STS " + action, e);
        }
    }

    private void pause(int attempt, String action) {
        try {
            backoff.pause(Backoff.after(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("interrupted while waiting to retry STS " + action, e);
        }
    }

    private static String hint(String code, String action) {
        return switch (code) {
            case "ExpiredTokenException" -> action.equals("AssumeRoleWithWebIdentity")
                    ? "; the web identity token file holds an expired token (is it still being rotated?)"
                    : "; the source credentials have expired";
            case "AccessDenied" -> "; check the role's trust policy and the caller's sts:AssumeRole permission";
            case "InvalidIdentityToken" -> "; check the role's OIDC provider and the token's audience";
            default -> "";
        };
    }

    private static Credentials parseCredentials(String action, String roleArn, String xml) {
        XmlElement root;
        try {
            root = XmlElement.parse(xml);
        } catch (IllegalArgumentException e) {
            throw new CredentialsException("STS " + action + " for " + roleArn + " answered 200 with unreadable XML");
        }
        Optional<XmlElement> credentials = root.child(action + "Result").flatMap(r -> r.child("Credentials"));
        Optional<String> id = credentials.flatMap(c -> c.childText("AccessKeyId")).filter(t -> !t.isBlank());
        Optional<String> secret = credentials.flatMap(c -> c.childText("SecretAccessKey")).filter(t -> !t.isBlank());
        Optional<String> token = credentials.flatMap(c -> c.childText("SessionToken")).filter(t -> !t.isBlank());
        if (id.isEmpty() || secret.isEmpty() || token.isEmpty()) {
            throw new CredentialsException("STS " + action + " for " + roleArn
                    + " answered without AccessKeyId, SecretAccessKey or SessionToken");
        }
        Optional<Instant> expiration;
        try {
            expiration = credentials.flatMap(c -> c.childText("Expiration")).map(String::strip).map(Instant::parse);
        } catch (DateTimeParseException e) {
            throw new CredentialsException("STS " + action + " for " + roleArn + " answered an unreadable Expiration");
        }
        return new Credentials(id.get().strip(), secret.get().strip(), token.map(String::strip), expiration);
    }

    private static String encode(Map<String, String> form) {
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
        return body.toString();
    }

    /** An STS error document, {@code <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>}. */
    record StsError(int status, String code, String message) {
        static StsError parse(int status, String body) {
            try {
                XmlElement root = XmlElement.parse(body);
                XmlElement error = root.child("Error").orElse(root);
                return new StsError(status, error.childText("Code").orElse(""),
                        error.childText("Message").orElse(""));
            } catch (IllegalArgumentException e) {
                return new StsError(status, "", "");
            }
        }

        boolean isThrottling() {
            return status == 429 || THROTTLING.contains(code);
        }

        /** Code and message, the message cut short and blanked where it repeats a secret of the request. */
        String describe(List<String> secrets) {
            String shown = message.strip().replaceAll("[\\r\\n\\t]+", " ");
            for (String secret : secrets) {
                if (!secret.isEmpty()) {
                    shown = shown.replace(secret, "****");
                }
            }
            if (shown.length() > 300) {
                shown = shown.substring(0, 300) + "...";
            }
            String what = code.isEmpty() ? "HTTP " + status : code + " (HTTP " + status + ")";
            return shown.isEmpty() ? what : what + ": " + shown;
        }
    }
}
