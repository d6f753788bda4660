/**
 * Registered models and their configs. A model keeps the file its owner registered, and every load
 * parses it again with this version's schema and defaults: after an upgrade, new keys take their
 * defaults without registering again, and a file this version no longer accepts fails with its
 * model and field named.
 */
import { ConfigError, parseModelConfig, resolveModelFile, type ModelConfig, type ModelSource } from '../config';
import { modelFileOf, sourceOfConfig, type StoredModelConfig } from '../stored-config';
import { StoredConfigError, UnknownModelError } from '../errors';
import type { Db } from './db';

/** What models.config_format says a row holds (see migration 010). */
const CONFIG_FORMAT = {
  /** Stored before the source was kept: only `config`, resolved by the version of its day. */
  resolvedOnly: 1,
  /** `config_source` is the model file as registered. */
  source: 2,
} as const;

/** Stores the model file as written; `config` is what it resolves to now (kept for reading with SQL). */
export async function saveModelSource(db: Db, { text, config }: ModelSource): Promise<void> {
  await db.query(
    `INSERT INTO models (name, config, config_source, config_format) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET config = EXCLUDED.config, config_source = EXCLUDED.config_source,
       config_format = EXCLUDED.config_format, updated_at = now()`,
    [config.model, JSON.stringify(config), text, CONFIG_FORMAT.source],
  );
}

/** Stores a config built in code, as the model file that resolves to it. */
export async function saveModelConfig(db: Db, config: ModelConfig): Promise<void> {
  await saveModelSource(db, sourceOfConfig(config));
}

export async function loadStoredConfig(db: Db, modelName: string): Promise<ModelConfig> {
  const result = await db.query<{ config: StoredModelConfig; config_source: string | null; config_format: number }>(
    'SELECT config, config_source, config_format FROM models WHERE name = $1',
    [modelName],
  );
  const row = result.rows[0];
  if (!row) throw new UnknownModelError(modelName);
  const source = `stored for model '${modelName}'`;
  try {
    switch (row.config_format) {
      case CONFIG_FORMAT.resolvedOnly:
        return resolveModelFile(modelFileOf(row.config), source);
      case CONFIG_FORMAT.source:
        return parseModelConfig(row.config_source!, source);
      default:
        throw new Error(`model '${modelName}' was registered by a newer driftwatch (config format ${row.config_format}); upgrade this one`);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw new StoredConfigError(modelName, err.issues);
    throw err;
  }
}

export async function listModelNames(db: Db): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM models ORDER BY name')).rows.map((r) => r.name);
}
