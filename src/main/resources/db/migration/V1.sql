CREATE TABLE servers (
  server_id    TEXT NOT NULL PRIMARY KEY,
  game_uid     TEXT NOT NULL,
  servername   TEXT NOT NULL,
  port_group   INTEGER NOT NULL,
  subnet       TEXT,
  status       TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE TABLE port_reservations (
  port       INTEGER NOT NULL,
  protocol   TEXT NOT NULL,
  server_id  TEXT NOT NULL REFERENCES servers(server_id) ON DELETE CASCADE,
  PRIMARY KEY (port, protocol)
);
CREATE TABLE schedules (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  server_id  TEXT NOT NULL REFERENCES servers(server_id) ON DELETE CASCADE,
  action     TEXT NOT NULL,
  due_at     INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules(due_at);
CREATE INDEX schedules_server ON schedules(server_id, action);
