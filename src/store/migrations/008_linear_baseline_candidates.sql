-- A retrain may register two candidates: the tuned challenger and, when that one scores below the
-- linear baseline fitted on the same rows, the linear baseline itself (evaluated in its place). Each
-- retrain still has at most one version of each kind, which keeps a retried registration idempotent.
ALTER TABLE model_versions
  ADD COLUMN candidate_kind text NOT NULL DEFAULT 'tuned' CHECK (candidate_kind IN ('tuned', 'linear_baseline'));
ALTER TABLE model_versions DROP CONSTRAINT model_versions_retrain_id_key;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_one_per_retrain_and_kind UNIQUE (retrain_id, candidate_kind);
