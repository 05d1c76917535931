package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code peon me}: who the API key belongs to, and what it may do. */
@Command(
    name = "me",
    mixinStandardHelpOptions = true,
    description = "Show who you are: user, role, key and effective permissions.")
public final class MeCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/me");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode me = r.json();
          Table t = Table.keyValues();
          t.row("name", me.path("name").asText());
          t.row("role", me.path("role").asText());
          t.row("key", me.path("keyId").asText(null));
          t.row("permissions", UsersCommand.joined(me.path("permissions")));
          me.path("grants")
              .properties()
              .forEach(g -> t.row("grant " + g.getKey(), UsersCommand.joined(g.getValue())));
          t.print(s.out());
          return ExitCodes.OK;
        });
  }
}
