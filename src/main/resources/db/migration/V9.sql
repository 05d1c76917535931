-- A server's grants and backup policy belong to that server, not to its name: they go with its
-- record, in the same transaction (a new server of the same name starts with none). Backups are
-- kept (game data is never deleted implicitly) but detached: a new server of the same name does
-- not see, download or restore them. Grants can only name servers that exist.
CREATE TABLE grants_v9 (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  server_id  TEXT NOT NULL REFERENCES servers(server_id) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  PRIMARY KEY (user_id, server_id, permission)
);
INSERT INTO grants_v9(user_id, server_id, permission)
  SELECT user_id, server_id, permission FROM grants WHERE server_id IN (SELECT server_id FROM servers);
DROP TABLE grants;
ALTER TABLE grants_v9 RENAME TO grants;
CREATE TABLE backup_policies_v9 (
  server_id     TEXT NOT NULL PRIMARY KEY REFERENCES servers(server_id) ON DELETE CASCADE,
  mode          TEXT,
  excludes      TEXT NOT NULL,
  keep_last     INTEGER,
  keep_daily    INTEGER,
  keep_weekly   INTEGER,
  keep_monthly  INTEGER,
  max_total     INTEGER
);
INSERT INTO backup_policies_v9
  SELECT * FROM backup_policies WHERE server_id IN (SELECT server_id FROM servers);
DROP TABLE backup_policies;
ALTER TABLE backup_policies_v9 RENAME TO backup_policies;
ALTER TABLE backups ADD COLUMN detached_at INTEGER;
UPDATE backups SET detached_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE server_id NOT IN (SELECT server_id FROM servers);
CREATE TRIGGER backups_detach_with_server AFTER DELETE ON servers BEGIN UPDATE backups SET detached_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE server_id = OLD.server_id AND detached_at IS NULL; END;
