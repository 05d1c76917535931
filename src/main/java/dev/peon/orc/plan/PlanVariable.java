package dev.peon.orc.plan;

/** One {@code environment} entry: {@code defaultValue == null} means the user must supply it. */
public record PlanVariable(String name, String defaultValue) {
  public static final String STEAM_ID = "STEAM_ID";

  public boolean required() {
    return defaultValue == null;
  }
}
