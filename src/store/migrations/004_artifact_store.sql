-- Model artifacts move out of PostgreSQL into an artifact store (a directory by default): the row
-- keeps the artifact's URI and the sha256 of its manifest. Rows written before keep their JSONB artifact.
ALTER TABLE model_versions ADD COLUMN artifact_uri text;
ALTER TABLE model_versions ALTER COLUMN artifact DROP NOT NULL;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_artifact_stored CHECK (artifact IS NOT NULL OR artifact_uri IS NOT NULL);
