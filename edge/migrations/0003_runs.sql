-- Run records: what an agent, a workflow or a test run did, for its owner on any device.
-- Metadata here; event logs and artifacts in R2 (artifacts content-addressed by SHA-256).
CREATE TABLE runs (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project      TEXT NOT NULL,
  kind         TEXT NOT NULL,                 -- 'agent' | 'workflow' | 'tests' | 'deploy' | …
  title        TEXT,
  status       TEXT NOT NULL,                 -- 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  cost_micros  INTEGER NOT NULL DEFAULT 0,    -- credits spent, in millionths
  event_chunks INTEGER NOT NULL DEFAULT 0,    -- event log pieces stored in R2 (runs/<id>/events/<n>.jsonl)
  updated_at   INTEGER NOT NULL
);
CREATE INDEX runs_user_started ON runs(user_id, started_at DESC);

CREATE TABLE run_artifacts (
  run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,                -- e.g. report.json, junit.xml, diff.patch
  sha256        TEXT NOT NULL,                -- R2 key blobs/<sha256>
  size          INTEGER NOT NULL,
  content_type  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
);

UPDATE app_meta SET value = '3' WHERE key = 'schema_version';
