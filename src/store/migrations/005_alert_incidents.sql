-- Alerts to on-call: Slack and PagerDuty beside webhooks, drift incidents, rate limits.
-- A notification held back by a route's rate limit is recorded as 'suppressed' (so retries of the
-- delivery activity do not send it either); a drift incident's notifications carry its dedup key,
-- so its resolve goes exactly where its trigger went.
ALTER TABLE alert_deliveries DROP CONSTRAINT alert_deliveries_status_check;
ALTER TABLE alert_deliveries ADD CONSTRAINT alert_deliveries_status_check CHECK (status IN ('delivered', 'failing', 'suppressed'));
ALTER TABLE alert_deliveries
  ADD COLUMN sink text NOT NULL DEFAULT 'webhook',
  ADD COLUMN incident_key text,
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN delivered_at timestamptz;
UPDATE alert_deliveries SET delivered_at = updated_at WHERE status = 'delivered';
CREATE INDEX alert_deliveries_rate_limit ON alert_deliveries (model_name, target, event, delivered_at);
CREATE INDEX alert_deliveries_incident ON alert_deliveries (incident_key, target) WHERE incident_key IS NOT NULL;
