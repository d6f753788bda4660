-- The drift check that wrote a report (its monitor run and activity, the same in every retry of
-- that activity): a retry whose earlier attempt wrote the report returns that report's verdict
-- instead of "unchanged". Null for reports of direct calls and of earlier versions.
ALTER TABLE drift_reports ADD COLUMN check_id text;
CREATE UNIQUE INDEX drift_reports_check_id ON drift_reports (model_name, check_id);
