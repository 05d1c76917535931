-- clusters: the node a server is placed on (NULL: the single local engine), and port reservations
-- per node (two servers on different nodes may publish the same port)
ALTER TABLE servers ADD COLUMN node TEXT;
CREATE TABLE port_reservations_v13 (
  node       TEXT NOT NULL DEFAULT '',
  port       INTEGER NOT NULL,
  protocol   TEXT NOT NULL,
  server_id  TEXT NOT NULL REFERENCES servers(server_id) ON DELETE CASCADE,
  PRIMARY KEY (node, port, protocol)
);
INSERT INTO port_reservations_v13(node, port, protocol, server_id)
  SELECT '', port, protocol, server_id FROM port_reservations;
DROP TABLE port_reservations;
ALTER TABLE port_reservations_v13 RENAME TO port_reservations;
CREATE INDEX port_reservations_server ON port_reservations(server_id);
