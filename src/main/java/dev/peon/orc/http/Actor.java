package dev.peon.orc.http;

/** A request's principal that can name itself for the audit log ({@code user:alice}, ...). */
public interface Actor {
  String actor();
}
