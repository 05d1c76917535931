CREATE TABLE schedules_v3 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  server_id    TEXT NOT NULL REFERENCES servers(server_id) ON DELETE CASCADE,
  action       TEXT NOT NULL,
  cron         TEXT,
  at           INTEGER,
  time_zone    TEXT NOT NULL DEFAULT 'UTC',
  enabled      INTEGER NOT NULL DEFAULT 1,
  misfire      TEXT NOT NULL DEFAULT 'RUN_ONCE',
  update_mode  TEXT,
  origin       TEXT NOT NULL DEFAULT 'V2',
  next_run     INTEGER,
  last_run     INTEGER,
  last_status  TEXT,
  last_detail  TEXT,
  created_at   INTEGER NOT NULL,
  CHECK ((cron IS NULL) <> (at IS NULL))
);
INSERT INTO schedules_v3(id, server_id, action, at, time_zone, enabled, misfire, origin, next_run,
    created_at)
  SELECT id, server_id, action, due_at, 'UTC', 1, 'RUN_ONCE', 'V1', due_at, created_at
  FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_v3 RENAME TO schedules;
CREATE INDEX schedules_next_run ON schedules(next_run) WHERE enabled = 1;
CREATE INDEX schedules_server ON schedules(server_id, action);
