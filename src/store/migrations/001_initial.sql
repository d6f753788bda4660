-- The feature store, the model registry, drift reports, retrains, tuning trials and alert deliveries.

CREATE TABLE models (
  name        text PRIMARY KEY,
  config      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest_batches (
  id          uuid PRIMARY KEY,
  model_name  text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  source      text NOT NULL,
  accepted    integer NOT NULL,
  rejected    integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest_rejections (
  id          bigserial PRIMARY KEY,
  batch_id    uuid NOT NULL REFERENCES ingest_batches(id) ON DELETE CASCADE,
  row_number  integer NOT NULL,
  field       text NOT NULL,
  reason      text NOT NULL,
  value       text
);

-- Full history of feature rows; the "latest window" is a range scan on (model_name, event_time).
CREATE TABLE feature_rows (
  id          bigserial PRIMARY KEY,
  model_name  text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  event_time  timestamptz NOT NULL,
  features    jsonb NOT NULL,
  label       double precision,
  batch_id    uuid NOT NULL REFERENCES ingest_batches(id),
  ingested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feature_rows_model_event_time ON feature_rows (model_name, event_time, id);

CREATE TABLE drift_reports (
  id                bigserial PRIMARY KEY,
  model_name        text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  champion_version  integer NOT NULL,
  window_start      timestamptz NOT NULL,
  window_end        timestamptz NOT NULL,
  row_count         integer NOT NULL,
  features          jsonb NOT NULL,
  drifted_share     double precision NOT NULL,
  dataset_drift     boolean NOT NULL,
  reasons           jsonb NOT NULL,
  source            text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_reports_model_created ON drift_reports (model_name, created_at DESC);

-- One row per retrain run (keyed by the Temporal run ID, stable across activity retries).
CREATE TABLE retrains (
  id               text PRIMARY KEY,
  workflow_id      text NOT NULL,
  model_name       text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  trigger          text NOT NULL CHECK (trigger IN ('drift', 'manual', 'bootstrap')),
  requested_by     text,
  reason           text,
  drift_report_id  bigint REFERENCES drift_reports(id),
  status           text NOT NULL CHECK (status IN ('running', 'promoted', 'rejected', 'failed')),
  plan             jsonb,
  result           jsonb,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
-- The database, not only the workflow IDs, guarantees one running retrain per model.
CREATE UNIQUE INDEX retrains_one_running_per_model ON retrains (model_name) WHERE status = 'running';

CREATE TABLE tuning_trials (
  retrain_id    text NOT NULL REFERENCES retrains(id) ON DELETE CASCADE,
  trial_number  integer NOT NULL,
  parameters    jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('completed', 'failed')),
  score         double precision,
  duration_ms   integer NOT NULL,
  error         text,
  backend       text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (retrain_id, trial_number)
);

CREATE TABLE model_versions (
  model_name         text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  version            integer NOT NULL,
  status             text NOT NULL CHECK (status IN ('candidate', 'champion', 'archived', 'rejected')),
  retrain_id         text NOT NULL UNIQUE REFERENCES retrains(id),
  task               text NOT NULL,
  backend            text NOT NULL,
  hyperparameters    jsonb NOT NULL,
  training_window    jsonb NOT NULL,
  reference_profile  jsonb NOT NULL,
  artifact           jsonb NOT NULL,
  artifact_sha256    text NOT NULL,
  metrics            jsonb,
  decision           jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  promoted_at        timestamptz,
  PRIMARY KEY (model_name, version)
);
-- Two champions of one model are impossible, whatever the application does.
CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (model_name) WHERE status = 'champion';

-- Append-only registry events; (retrain_id, event) is unique so a retried promotion records once.
CREATE TABLE model_events (
  id          bigserial PRIMARY KEY,
  model_name  text NOT NULL REFERENCES models(name) ON DELETE CASCADE,
  version     integer NOT NULL,
  event       text NOT NULL CHECK (event IN ('promoted', 'archived', 'rejected')),
  retrain_id  text REFERENCES retrains(id),
  detail      jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (retrain_id, event, version)
);

CREATE TABLE alert_deliveries (
  alert_key     text NOT NULL,
  target        text NOT NULL,
  model_name    text NOT NULL,
  event         text NOT NULL,
  payload       jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('delivered', 'failing')),
  attempts      integer NOT NULL,
  last_error    text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_key, target)
);
