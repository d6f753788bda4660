-- Pruned trials (median rule) and the validation loss of every epoch of every trial, which the
-- rule compares against; `epochs` is how far a trial got before it finished, failed or was pruned.
ALTER TABLE tuning_trials DROP CONSTRAINT tuning_trials_status_check;
ALTER TABLE tuning_trials ADD CONSTRAINT tuning_trials_status_check CHECK (status IN ('completed', 'failed', 'pruned'));
ALTER TABLE tuning_trials ADD COLUMN epochs integer;
ALTER TABLE tuning_trials ADD COLUMN source text NOT NULL DEFAULT 'proposed' CHECK (source IN ('proposed', 'warm_start'));

CREATE TABLE trial_epochs (
  retrain_id    text NOT NULL REFERENCES retrains(id) ON DELETE CASCADE,
  trial_number  integer NOT NULL,
  epoch         integer NOT NULL,
  val_loss      double precision NOT NULL,
  PRIMARY KEY (retrain_id, trial_number, epoch)
);
