-- API keys of the HTTP service (src/service). Only a SHA-256 hash of a key is stored: the key itself
-- is shown once, at creation. A key names its row (dw_<id>_<secret>), so a request looks its row up
-- by id and compares hashes in constant time. Revoked keys stay, for the record of who used what.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('read', 'operate', 'admin')),
  key_sha256 bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
