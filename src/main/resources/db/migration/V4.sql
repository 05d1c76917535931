CREATE TABLE backups (
  id           TEXT NOT NULL PRIMARY KEY,
  server_id    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  size         INTEGER NOT NULL DEFAULT 0,
  sha256       TEXT,
  locked       INTEGER NOT NULL DEFAULT 0,
  consistency  TEXT NOT NULL,
  origin       TEXT NOT NULL,
  status       TEXT NOT NULL,
  was_running  INTEGER NOT NULL DEFAULT 0,
  files        INTEGER NOT NULL DEFAULT 0,
  content_size INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX backups_server ON backups(server_id, created_at);
CREATE TABLE backup_policies (
  server_id     TEXT NOT NULL PRIMARY KEY,
  mode          TEXT,
  excludes      TEXT NOT NULL,
  keep_last     INTEGER,
  keep_daily    INTEGER,
  keep_weekly   INTEGER,
  keep_monthly  INTEGER,
  max_total     INTEGER
);
