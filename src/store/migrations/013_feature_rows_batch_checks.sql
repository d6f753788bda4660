-- Ingest writes feature rows with COPY, and a foreign key checks each row with its own lookup and
-- row lock: on 1 M rows the two keys of feature_rows (model, batch) took more than half of COPY's
-- time. Triggers that check and cascade once per statement keep the same guarantees for a fraction
-- of that: every row belongs to an existing ingest batch of the same model (the batch references
-- the model), and deleting a batch, as deleting its model does, deletes its rows.
ALTER TABLE feature_rows
  DROP CONSTRAINT feature_rows_model_name_fkey,
  DROP CONSTRAINT feature_rows_batch_id_fkey;

CREATE FUNCTION feature_rows_check_batches() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orphan record;
BEGIN
  -- KEY SHARE, the lock a foreign key takes: the batch cannot be deleted before this transaction ends.
  SELECT written.batch_id, written.model_name INTO orphan
  FROM (SELECT DISTINCT batch_id, model_name FROM written_rows) written
  WHERE NOT EXISTS (
    SELECT 1 FROM ingest_batches b WHERE b.id = written.batch_id AND b.model_name = written.model_name FOR KEY SHARE
  )
  LIMIT 1;
  IF FOUND THEN
    RAISE foreign_key_violation
      USING MESSAGE = format('feature_rows: model %L has no ingest batch %s', orphan.model_name, orphan.batch_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER feature_rows_check_batches_on_insert AFTER INSERT ON feature_rows
  REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION feature_rows_check_batches();
CREATE TRIGGER feature_rows_check_batches_on_update AFTER UPDATE ON feature_rows
  REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION feature_rows_check_batches();

CREATE FUNCTION ingest_batches_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM feature_rows f USING deleted_batches d WHERE f.model_name = d.model_name AND f.batch_id = d.id;
  RETURN NULL;
END $$;

CREATE TRIGGER ingest_batches_delete_rows AFTER DELETE ON ingest_batches
  REFERENCING OLD TABLE AS deleted_batches FOR EACH STATEMENT EXECUTE FUNCTION ingest_batches_delete_rows();
