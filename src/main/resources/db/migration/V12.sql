CREATE TABLE server_game (
  server_id           TEXT NOT NULL PRIMARY KEY REFERENCES servers(server_id) ON DELETE CASCADE,
  settings            TEXT,
  sleeping            INTEGER NOT NULL DEFAULT 0,
  last_stop_reason    TEXT,
  last_stop_at        TEXT,
  last_restart_reason TEXT,
  last_restart_at     TEXT,
  ready_seconds       INTEGER,
  updated_at          TEXT NOT NULL
);
