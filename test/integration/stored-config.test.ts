/**
 * Configs upgrade themselves, on a real PostgreSQL migrated by the real migrator: a model row written
 * the way earlier versions wrote it loads with the keys added since at their defaults, a registered
 * file is parsed again on every load, and a stored file this version no longer accepts fails with the
 * model and the field named until it is registered again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { StoredConfigError } from '../../src/errors';
import { loadStoredConfig, saveModelSource } from '../../src/store/models';
import { startHarness, testModelYaml, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness('stored-config', { trainingWorker: false });
});

afterAll(async () => {
  await harness?.close();
});

it('loads a model row an earlier version wrote, with performance, reference and the linear fallback at their defaults', async () => {
  const today = parseModelConfig(testModelYaml('legacy', { linearFallback: false }), '<legacy>');
  const { performance: _performance, reference: _reference, qualityGate, monitoring: { window, ...monitoring }, ...earlier } = today;
  const storedThen = {
    ...earlier,
    monitoring: { ...monitoring, windowMs: window.kind === 'duration' ? window.ms : null },
    qualityGate: { baselineTolerance: qualityGate!.baselineTolerance },
  };
  // The statement of the versions before migration 010: the resolved config alone.
  await harness.db.query('INSERT INTO models (name, config) VALUES ($1, $2)', ['legacy', JSON.stringify(storedThen)]);

  const loaded = await loadStoredConfig(harness.db, 'legacy');
  expect(loaded.performance).toEqual({ k: 3, calibration: true });
  expect(loaded.reference).toEqual({ mode: 'auto', periodMs: 365 * 86_400_000 });
  expect(loaded.qualityGate).toEqual({ baselineTolerance: qualityGate!.baselineTolerance, linearFallback: true });
  expect(loaded).toEqual({ ...today, qualityGate: { ...qualityGate, linearFallback: true } });
});

it('parses a registered file again on load, and names the model and the field of a file this version no longer accepts', async () => {
  const text = testModelYaml('registered');
  await saveModelSource(harness.db, { text, config: parseModelConfig(text, '<registered>') });
  const stored = await harness.db.query<{ config_source: string; config_format: number }>(
    'SELECT config_source, config_format FROM models WHERE name = $1', ['registered'],
  );
  expect(stored.rows[0]).toEqual({ config_source: text, config_format: 2 });

  // As if an upgrade had removed monitoring.blindAlertAfter: the stored file names a key this version does not know.
  await harness.db.query('UPDATE models SET config_source = $2 WHERE name = $1', ['registered', `${text}monitoring_blindAlertAfter: 3\n`]);
  const error = await loadStoredConfig(harness.db, 'registered').catch((err: unknown) => err);
  expect(error).toBeInstanceOf(StoredConfigError);
  expect((error as StoredConfigError).issues.map((issue) => issue.path)).toEqual(['monitoring_blindAlertAfter']);
  expect((error as Error).message).toContain("stored for model 'registered'");
  expect((error as Error).message).toContain("register it again ('driftwatch models register <file>')");

  await saveModelSource(harness.db, { text, config: parseModelConfig(text, '<registered>') });
  expect((await loadStoredConfig(harness.db, 'registered')).model).toBe('registered');
});
