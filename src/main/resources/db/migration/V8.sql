CREATE TABLE server_supervision (
  server_id            TEXT NOT NULL PRIMARY KEY REFERENCES servers(server_id) ON DELETE CASCADE,
  restart_policy       TEXT NOT NULL DEFAULT 'on-failure',
  autostart            INTEGER NOT NULL DEFAULT 1,
  desired_state        TEXT,
  crash_looped         INTEGER NOT NULL DEFAULT 0,
  last_crash_at        TEXT,
  last_crash_exit_code INTEGER,
  last_crash_oom       INTEGER,
  updated_at           TEXT NOT NULL
);
