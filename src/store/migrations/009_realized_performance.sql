-- Realized performance: the champion's loss and calibration on the newest labelled rows, against the
-- band learned from window-sized chunks of its own rows (stored with the version's metrics). Null for
-- reports made before it existed or with performance monitoring off.
ALTER TABLE drift_reports ADD COLUMN performance jsonb;
