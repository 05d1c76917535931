package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventActor;
import com.github.dockerjava.api.model.EventType;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventStreamTest {

  @Test
  void mapsContainerEventsWithNameAndLabels() {
    var event =
        event(
            EventType.CONTAINER,
            "die",
            Map.of("name", "peon.warcamp.x.y", "image", "i", "exitCode", "0", "peon.server", "x"));

    RuntimeEvent mapped = EventStream.toRuntimeEvent(event).orElseThrow();

    assertThat(mapped.kind()).isEqualTo(RuntimeEvent.Kind.DIE);
    assertThat(mapped.name()).isEqualTo("peon.warcamp.x.y");
    assertThat(mapped.containerId()).isEqualTo("abc");
    assertThat(mapped.labels()).containsExactly(Map.entry("peon.server", "x"));
    assertThat(mapped.time()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 5));
  }

  @Test
  void ignoresExecAndNonContainerEventsAndKeepsOthersAsOther() {
    assertThat(EventStream.toRuntimeEvent(event(EventType.CONTAINER, "exec_start: sh", Map.of())))
        .isEmpty();
    assertThat(EventStream.toRuntimeEvent(event(EventType.NETWORK, "connect", Map.of()))).isEmpty();
    assertThat(EventStream.kindOf("health_status: healthy")).isEqualTo(RuntimeEvent.Kind.OTHER);
    assertThat(EventStream.kindOf("oom")).isEqualTo(RuntimeEvent.Kind.OOM);
    assertThat(EventStream.kindOf("destroy")).isEqualTo(RuntimeEvent.Kind.DESTROY);
  }

  @Test
  void reportsAnEndedStreamOnceAsEngineUnreachable() {
    var errors = new java.util.ArrayList<Throwable>();
    var stream = new EventStream(e -> {}, errors::add);

    stream.callback().onComplete();
    stream.callback().onError(new java.io.IOException("reset"));

    assertThat(errors)
        .singleElement()
        .isInstanceOfSatisfying(
            RuntimeFailure.class,
            f -> assertThat(f.kind()).isEqualTo(RuntimeFailure.Kind.ENGINE_UNREACHABLE));
  }

  @Test
  void staysSilentWhenTheStreamEndsAfterClose() {
    var errors = new java.util.ArrayList<Throwable>();
    var stream = new EventStream(e -> {}, errors::add);

    stream.close();
    stream.callback().onError(new java.io.IOException("closed"));
    stream.callback().onComplete();

    assertThat(errors).isEmpty();
  }

  @Test
  void keepsDeliveringWhenAListenerThrows() {
    var delivered = new java.util.ArrayList<RuntimeEvent>();
    var stream =
        new EventStream(
            e -> {
              delivered.add(e);
              throw new IllegalStateException("listener bug");
            },
            e -> {});

    stream.callback().onNext(event(EventType.CONTAINER, "start", Map.of("name", "a")));
    stream.callback().onNext(event(EventType.CONTAINER, "die", Map.of("name", "a")));

    assertThat(delivered).hasSize(2);
  }

  private static Event event(EventType type, String action, Map<String, String> attributes) {
    return new Event("status", "abc", "from", 1_700_000_000L)
        .withType(type)
        .withAction(action)
        .withTimenano(1_700_000_000_000_000_005L)
        .withEventActor(new EventActor().withId("abc").withAttributes(attributes));
  }
}
