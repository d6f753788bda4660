import type { ModelConfig } from '../config';
import { UnknownModelError } from '../errors';
import type { Db } from './db';

export async function saveModelConfig(db: Db, config: ModelConfig): Promise<void> {
  await db.query(
    `INSERT INTO models (name, config) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`,
    [config.model, JSON.stringify(config)],
  );
}

export async function loadStoredConfig(db: Db, modelName: string): Promise<ModelConfig> {
  const result = await db.query<{ config: ModelConfig }>('SELECT config FROM models WHERE name = $1', [modelName]);
  const row = result.rows[0];
  if (!row) throw new UnknownModelError(modelName);
  return row.config;
}

export async function listModelNames(db: Db): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM models ORDER BY name')).rows.map((r) => r.name);
}
