-- A drift check's identity is the set of rows it saw: the window and the row-ID horizon, not only
-- the window's end. Late or back-dated rows (a higher row ID inside an already-checked window)
-- make the next check run again, and its report says how many such rows it includes. The verdict
-- separates "no drift" from "not measured", and the reference says what the window was compared with.
ALTER TABLE drift_reports
  ADD COLUMN as_of_row_id    bigint,
  ADD COLUMN late_rows       integer NOT NULL DEFAULT 0,
  ADD COLUMN verdict         text CHECK (verdict IN ('drift', 'no_drift', 'not_measured')),
  ADD COLUMN measured_share  double precision,
  ADD COLUMN reference       jsonb;
CREATE INDEX drift_reports_model_id ON drift_reports (model_name, champion_version, id DESC);

ALTER TABLE retrains DROP CONSTRAINT IF EXISTS retrains_status_check;
ALTER TABLE retrains ADD CONSTRAINT retrains_status_check
  CHECK (status IN ('running', 'promoted', 'rejected', 'failed_quality_gate', 'failed'));
