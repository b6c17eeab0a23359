-- Workflows as code (edge/workflows): which GitHub repositories are connected for workflows and
-- by whom (the project's members), the workflow files last read from each default branch, which
-- workflows are switched off, each run's index row (the run itself lives in its Durable Object),
-- GitHub webhook deliveries seen (replays are refused), schedule firings (one per minute at most),
-- runner tokens, and the secrets runs may read (encrypted like GitHub tokens).

CREATE TABLE workflow_repos (
  repo            TEXT NOT NULL,                -- GitHub owner/name, as GitHub spells it
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  default_branch  TEXT NOT NULL,
  connected_at    INTEGER NOT NULL,
  PRIMARY KEY (repo, user_id)
);
CREATE INDEX workflow_repos_user ON workflow_repos (user_id);

CREATE TABLE workflow_files (
  repo        TEXT NOT NULL,
  path        TEXT NOT NULL,                    -- .coder/workflows/<name>.yml
  sha         TEXT NOT NULL,                    -- the blob GitHub returned
  source      TEXT NOT NULL,                    -- the file's text
  name        TEXT,                             -- the workflow's name, when it parses
  triggers    TEXT,                             -- its `on`, normalised, as JSON; null when the file does not parse
  problems    TEXT,                             -- its parse problems as JSON, when it does not
  read_at     INTEGER NOT NULL,
  PRIMARY KEY (repo, path)
);

CREATE TABLE workflow_settings (
  repo        TEXT NOT NULL,
  path        TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  updated_by  TEXT,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (repo, path)
);

CREATE TABLE workflow_runs (
  id             TEXT PRIMARY KEY,              -- a UUID; the Durable Object's name
  repo           TEXT NOT NULL,
  path           TEXT NOT NULL,
  name           TEXT NOT NULL,
  author_id      TEXT NOT NULL,
  trigger_kind   TEXT NOT NULL,
  trigger_summary TEXT NOT NULL,
  status         TEXT NOT NULL,                 -- queued | running | waiting | succeeded | failed | cancelled
  lease_expires  INTEGER,                       -- while claimed
  cost_micros    INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  finished_at    INTEGER
);
CREATE INDEX workflow_runs_queue ON workflow_runs (status, created_at);
CREATE INDEX workflow_runs_repo ON workflow_runs (repo, created_at DESC);

CREATE TABLE webhook_deliveries (
  id           TEXT PRIMARY KEY,                -- X-GitHub-Delivery
  event        TEXT NOT NULL,
  received_at  INTEGER NOT NULL
);

CREATE TABLE schedule_fires (
  repo     TEXT NOT NULL,
  path     TEXT NOT NULL,
  minute   INTEGER NOT NULL,                    -- the minute fired, ms since the epoch
  run_id   TEXT NOT NULL,
  PRIMARY KEY (repo, path, minute)
);

CREATE TABLE runner_tokens (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,           -- SHA-256 of the token; the token itself is shown once
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);
CREATE INDEX runner_tokens_user ON runner_tokens (user_id);

-- Sessions a runner token opened (the headless runner's browser): revoking the token ends them.
ALTER TABLE sessions ADD COLUMN runner_token_id TEXT;

CREATE TABLE workflow_secrets (
  repo              TEXT NOT NULL,
  name              TEXT NOT NULL,              -- [A-Z_][A-Z0-9_]*
  value_ciphertext  TEXT NOT NULL,              -- AES-GCM with TOKEN_KEY, bound to repo and name
  updated_by        TEXT NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (repo, name)
);

