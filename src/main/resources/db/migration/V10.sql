-- Outbound webhooks (notifications). server_id NULL = a global webhook; a server's webhooks go
-- with its record. events: comma-separated notification kinds, '' = every kind. secret: the
-- HMAC key of the generic format (the database file is owner-only).
CREATE TABLE webhooks (
  id          TEXT NOT NULL PRIMARY KEY,
  server_id   TEXT REFERENCES servers(server_id) ON DELETE CASCADE,
  name        TEXT,
  url         TEXT NOT NULL,
  format      TEXT NOT NULL,
  events      TEXT NOT NULL,
  secret      TEXT,
  enabled     INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX webhooks_server ON webhooks(server_id);
-- The last deliveries of each webhook (pruned to a bound per webhook).
CREATE TABLE webhook_deliveries (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id   TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event        TEXT NOT NULL,
  server_id    TEXT,
  status       TEXT NOT NULL,
  attempts     INTEGER NOT NULL,
  http_status  INTEGER,
  error        TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  next_attempt_at TEXT
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
