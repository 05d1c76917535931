package dev.peon.orc.event;

import java.time.Instant;
import java.util.Map;

/**
 * One published event.
 *
 * @param id increasing per process start, used as the SSE id
 * @param type e.g. {@code server.state}, {@code operation}
 * @param server the server id it concerns, or null
 * @param data JSON-ready payload
 */
public record Event(long id, String type, String server, Map<String, Object> data, Instant at) {}
