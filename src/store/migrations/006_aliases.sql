-- Aliases name versions: `champion` (the version served and monitored), `challenger` (the candidate
-- under evaluation) and any user-defined ones. The primary key allows one version per alias; every
-- move is appended to alias_history (who, why, from which workflow), which rollback reads.
CREATE TABLE model_aliases (
  model_name  text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  alias       text NOT NULL CHECK (alias ~ '^[a-z][a-z0-9_-]{0,62}$'),
  version     integer NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_name, alias),
  FOREIGN KEY (model_name, version) REFERENCES model_versions (model_name, version) ON DELETE CASCADE
);

CREATE TABLE alias_history (
  id            bigserial PRIMARY KEY,
  model_name    text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  alias         text NOT NULL,
  from_version  integer,
  -- null: the alias was removed
  to_version    integer,
  actor         text NOT NULL,
  reason        text,
  workflow_id   text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alias_history_model ON alias_history (model_name, id);

INSERT INTO model_aliases (model_name, alias, version)
  SELECT model_name, 'champion', version FROM model_versions WHERE status = 'champion';
INSERT INTO alias_history (model_name, alias, from_version, to_version, actor, reason)
  SELECT model_name, 'champion', NULL, version, 'migration', 'champion before aliases existed' FROM model_versions WHERE status = 'champion';
