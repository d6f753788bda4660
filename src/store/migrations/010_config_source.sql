-- Configs upgrade themselves: a model keeps the file its owner registered (YAML or JSON) and every load
-- parses it again, so keys an upgrade adds take their defaults without registering again.
-- config_format says what a row holds: 1, only `config`, as resolved by the version that stored it (rows
-- from before this migration, or written by an older version during a rolling upgrade; on load, the keys
-- it lacks take today's defaults); 2, `config_source` is the model file. `config` is still written, as
-- the file resolves at registration, for workers of the previous version and for reading with SQL.
ALTER TABLE models
  ADD COLUMN config_source text,
  ADD COLUMN config_format integer NOT NULL DEFAULT 1,
  ADD CONSTRAINT models_config_source_by_format CHECK ((config_format = 1) = (config_source IS NULL));
