-- Feature values in typed arrays instead of one JSONB object per row. Turning each row's JSON into
-- jsonb cost PostgreSQL 7.1 s per million rows of 7 numeric features, against 2.5 s for a binary
-- COPY of the same values as a double precision[] (bench/ingest.ts): the layout, not validation,
-- held ingest below 150,000 rows/s. Rows do not repeat their feature names: each ingest batch
-- records the names of its rows' numeric_values and categorical_values, in order, as its model's
-- config listed them when the batch was written, so a later config change never reinterprets
-- stored rows. A name in neither list was not a feature of that batch (the old "key absent").
ALTER TABLE ingest_batches
  ADD COLUMN numeric_features text[] NOT NULL DEFAULT '{}',
  ADD COLUMN categorical_features text[] NOT NULL DEFAULT '{}';
ALTER TABLE feature_rows
  ADD COLUMN numeric_values double precision[] NOT NULL DEFAULT '{}',
  ADD COLUMN categorical_values text[] NOT NULL DEFAULT '{}';

-- Existing batches: ingest stored numeric features as JSON numbers and categories as strings, so a
-- key is numeric where any of its batch's values is a number. A key that is null in every row of its
-- batch reads as null whichever list it joins.
UPDATE ingest_batches b
SET numeric_features = coalesce(layout.numeric_features, '{}'), categorical_features = coalesce(layout.categorical_features, '{}')
FROM (
  SELECT batch_id,
    array_agg(key ORDER BY key) FILTER (WHERE is_number) AS numeric_features,
    array_agg(key ORDER BY key) FILTER (WHERE NOT is_number) AS categorical_features
  FROM (
    SELECT f.batch_id, e.key, bool_or(jsonb_typeof(e.value) = 'number') AS is_number
    FROM feature_rows f CROSS JOIN LATERAL jsonb_each(f.features) e
    GROUP BY f.batch_id, e.key
  ) keys
  GROUP BY batch_id
) layout
WHERE b.id = layout.batch_id;

UPDATE feature_rows f
SET numeric_values = ARRAY(
      SELECT (f.features ->> name)::double precision FROM unnest(b.numeric_features) WITH ORDINALITY AS n(name, position) ORDER BY position),
    categorical_values = ARRAY(
      SELECT f.features ->> name FROM unnest(b.categorical_features) WITH ORDINALITY AS c(name, position) ORDER BY position)
FROM ingest_batches b
WHERE b.id = f.batch_id;

ALTER TABLE feature_rows DROP COLUMN features;

-- Migration 013's check, extended: a row also holds one value per feature of its batch's layout, so
-- every reader can name each value.
CREATE OR REPLACE FUNCTION feature_rows_check_batches() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  misfit record;
BEGIN
  -- KEY SHARE, the lock a foreign key takes: the batch cannot be deleted before this transaction ends.
  SELECT written.batch_id, written.model_name, written.numeric_count, written.categorical_count,
    b.id IS NOT NULL AS batch_exists, cardinality(b.numeric_features) AS numeric_features, cardinality(b.categorical_features) AS categorical_features
  INTO misfit
  FROM (
    SELECT batch_id, model_name, cardinality(numeric_values) AS numeric_count, cardinality(categorical_values) AS categorical_count
    FROM written_rows GROUP BY 1, 2, 3, 4
  ) written
  LEFT JOIN LATERAL (
    SELECT id, numeric_features, categorical_features FROM ingest_batches
    WHERE id = written.batch_id AND model_name = written.model_name FOR KEY SHARE
  ) b ON true
  WHERE b.id IS NULL
    OR cardinality(b.numeric_features) <> written.numeric_count
    OR cardinality(b.categorical_features) <> written.categorical_count
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NOT misfit.batch_exists THEN
    RAISE foreign_key_violation
      USING MESSAGE = format('feature_rows: model %L has no ingest batch %s', misfit.model_name, misfit.batch_id);
  END IF;
  RAISE check_violation USING MESSAGE = format(
    'feature_rows: ingest batch %s has %s numeric and %s categorical feature(s), a row holds %s and %s value(s)',
    misfit.batch_id, misfit.numeric_features, misfit.categorical_features, misfit.numeric_count, misfit.categorical_count);
END $$;
