-- Accounts: users, the identities they sign in with, their sessions, and the one-time secrets of
-- the sign-in flows. Secrets are stored only as SHA-256 hashes; GitHub tokens only encrypted.

CREATE TABLE users (
  id          TEXT PRIMARY KEY,               -- random, opaque
  email       TEXT UNIQUE,                    -- lower-cased; null for a GitHub user without a public e-mail
  name        TEXT,
  login       TEXT,                           -- GitHub login, when the user has signed in with GitHub
  avatar_url  TEXT,
  created_at  INTEGER NOT NULL                -- ms since the epoch
);

CREATE TABLE identities (
  provider          TEXT NOT NULL,            -- 'github' | 'email'
  subject           TEXT NOT NULL,            -- GitHub's numeric user id; the e-mail address
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  login             TEXT,
  token_ciphertext  TEXT,                     -- AES-GCM (base64url iv || ciphertext), key from the TOKEN_KEY secret
  scopes            TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_user ON identities(user_id);

CREATE TABLE sessions (
  id_hash     TEXT PRIMARY KEY,               -- SHA-256 of the cookie's opaque id
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  user_agent  TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Tokens a user saved for other git hosts (GitLab, Gitea, self-hosted), used by the git proxy.
CREATE TABLE host_tokens (
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  host              TEXT NOT NULL,            -- host[:port], lower-case
  username          TEXT NOT NULL,            -- the Basic-auth user name the host expects with a token
  token_ciphertext  TEXT NOT NULL,            -- AES-GCM, bound to user and host
  created_at        INTEGER NOT NULL,
  PRIMARY KEY (user_id, host)
);

-- E-mail sign-in links: single use, 15 minutes.
CREATE TABLE email_links (
  token_hash  TEXT PRIMARY KEY,
  email       TEXT NOT NULL,
  next        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);

-- OAuth sign-ins in flight: the state (hashed), its PKCE verifier and where to go afterwards.
CREATE TABLE oauth_states (
  state_hash     TEXT PRIMARY KEY,
  provider       TEXT NOT NULL,
  code_verifier  TEXT NOT NULL,
  next           TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
);

-- Messages the local stack "sends" (e-mail sign-in links), shown by the dev mailbox page.
CREATE TABLE dev_mailbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient   TEXT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  link        TEXT,
  created_at  INTEGER NOT NULL
);

UPDATE app_meta SET value = '2' WHERE key = 'schema_version';
