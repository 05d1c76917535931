package dev.peon.orc.audit;

import java.time.Instant;

/**
 * One audit record. {@code params} is JSON with secrets removed; {@code hash} chains it to the
 * previous entry ({@code prevHash}), so editing, deleting or reordering history is detectable.
 *
 * @param actor {@code user:<name>}, {@code v1-key}, {@code scheduler}, {@code system} or {@code
 *     anonymous}
 * @param outcome {@code success}, {@code denied}, {@code failure}
 */
public record AuditEntry(
    long id,
    Instant at,
    String actor,
    String keyId,
    String source,
    String requestId,
    String action,
    String target,
    String outcome,
    String params,
    String prevHash,
    String hash) {}
