-- Deployments (shareable previews): a build output of a project's workspace. The manifest and its
-- file list here; the bytes in R2 at blobs/<sha256>, shared with run artifacts, each stored once.
CREATE TABLE deployments (
  id           TEXT PRIMARY KEY,              -- a random UUID
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  -- the author
  project      TEXT NOT NULL,                 -- the IDE's project id, as run records name it
  repo         TEXT,                          -- owner/name of a connected repository: its members share it
  commit_oid   TEXT,
  branch       TEXT,
  status       TEXT NOT NULL,                 -- 'uploading' | 'ready' | 'failed' | 'deleted'
  spa          INTEGER NOT NULL DEFAULT 0,    -- 1: unknown paths without an extension get index.html
  visibility   TEXT NOT NULL,                 -- 'public' | 'private' (signed links only)
  total_bytes  INTEGER NOT NULL,
  file_count   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  ready_at     INTEGER,
  deleted_at   INTEGER
);
CREATE INDEX deployments_project ON deployments (project, created_at DESC);
CREATE INDEX deployments_user ON deployments (user_id, created_at DESC);
CREATE INDEX deployments_uploading ON deployments (created_at) WHERE status = 'uploading';

CREATE TABLE deployment_files (
  deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  path          TEXT NOT NULL,                -- relative, normalised: index.html, assets/app.js
  sha256        TEXT NOT NULL,                -- R2 key blobs/<sha256>
  size          INTEGER NOT NULL,
  content_type  TEXT NOT NULL,                -- from the extension, decided by the edge
  PRIMARY KEY (deployment_id, path)
) WITHOUT ROWID;
CREATE INDEX deployment_files_sha ON deployment_files (deployment_id, sha256);

-- Blobs known to be in R2 (blobs/<sha256>): a row is written only once its bytes are stored, so
-- a deployment asks for just the bytes the edge does not have.
CREATE TABLE blobs (
  sha256     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  stored_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Each project's production alias: the deployment served as production, and the one before it
-- (for rollback). Whoever promoted first owns it; with a repo, that repository's members too.
CREATE TABLE production_aliases (
  project        TEXT PRIMARY KEY,
  deployment_id  TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  previous_id    TEXT REFERENCES deployments(id) ON DELETE SET NULL,
  owner_id       TEXT NOT NULL,
  repo           TEXT,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX production_aliases_deployment ON production_aliases (deployment_id);
CREATE INDEX production_aliases_previous ON production_aliases (previous_id);

-- Every move of a production alias: who, when, from → to.
CREATE TABLE production_history (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  project  TEXT NOT NULL,
  action   TEXT NOT NULL,                     -- 'promote' | 'rollback'
  from_id  TEXT,
  to_id    TEXT NOT NULL,
  user_id  TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX production_history_project ON production_history (project, seq DESC);
