-- The sorted reference values of each numeric feature of a model version, outside the JSONB
-- profile: a drift check loads one feature's values at a time, and the profile row stays small.
CREATE TABLE reference_values (
  model_name     text NOT NULL,
  version        integer NOT NULL,
  feature        text NOT NULL,
  -- little-endian float64, ascending
  sorted_values  bytea NOT NULL,
  PRIMARY KEY (model_name, version, feature),
  FOREIGN KEY (model_name, version) REFERENCES model_versions (model_name, version) ON DELETE CASCADE
);
