-- A retrain ends in every way its workflow can: besides its decision, it may fail, be cancelled, be
-- terminated or time out. A retrain that ends without deciding releases its claim as `failed` or
-- `cancelled`, with why in closed_reason (what closed it: the failing stage and error, a
-- cancellation, a termination's reason, a timeout), and withdraws its candidates: `cancelled`
-- versions, off the challenger alias, with a `cancelled` registry event.
ALTER TABLE retrains DROP CONSTRAINT retrains_status_check;
ALTER TABLE retrains ADD CONSTRAINT retrains_status_check
  CHECK (status IN ('running', 'promoted', 'rejected', 'failed_quality_gate', 'failed', 'cancelled'));
ALTER TABLE retrains ADD COLUMN closed_reason text;
-- Failed retrains recorded their error in the result before closed_reason existed.
UPDATE retrains SET closed_reason = result->>'error' WHERE status = 'failed';

ALTER TABLE model_versions DROP CONSTRAINT model_versions_status_check;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_status_check
  CHECK (status IN ('candidate', 'champion', 'archived', 'rejected', 'cancelled'));

ALTER TABLE model_events DROP CONSTRAINT model_events_event_check;
ALTER TABLE model_events ADD CONSTRAINT model_events_event_check CHECK (event IN ('promoted', 'archived', 'rejected', 'cancelled'));
