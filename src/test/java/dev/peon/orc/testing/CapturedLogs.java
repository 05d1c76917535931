package dev.peon.orc.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Captures what one class logs, with key-values, for assertions; close to detach. */
public final class CapturedLogs implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public CapturedLogs(Class<?> source) {
    logger = (Logger) LoggerFactory.getLogger(source);
    appender.start();
    logger.addAppender(appender);
  }

  /** Every event as one line: level, message and key-values. */
  public List<String> lines() {
    return appender.list.stream().map(CapturedLogs::render).toList();
  }

  private static String render(ILoggingEvent e) {
    String kv =
        e.getKeyValuePairs() == null
            ? ""
            : e.getKeyValuePairs().stream()
                .map(p -> p.key + "=" + p.value)
                .collect(Collectors.joining(" "));
    return e.getLevel() + " " + e.getFormattedMessage() + " " + kv;
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
