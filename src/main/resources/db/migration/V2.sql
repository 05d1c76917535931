CREATE TABLE idempotency_keys (
  idem_key     TEXT NOT NULL,
  scope        TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (idem_key, scope)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);
