package gpbackup.s3plugin.config;

import java.time.Duration;

/**
 * The host agent's settings (spec/agent.md).
 *
 * @param enabled     false when the config says {@code agent: off}: every call then runs in its own process
 * @param idleTimeout how long an agent with no call in flight waits for the next before it exits
 */
public record AgentSettings(boolean enabled, Duration idleTimeout) {
}
