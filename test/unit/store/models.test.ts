import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../../src/config';
import { StoredConfigError } from '../../../src/errors';
import type { Db } from '../../../src/store/db';
import { loadStoredConfig } from '../../../src/store/models';

const DAY_MS = 86_400_000;

const MINIMAL_YAML = `
model: churn
task: binary_classification
label: churned
features:
  - { name: tenure, kind: numeric }
  - { name: plan, kind: categorical }
monitoring: { window: 30d }
`;

/** The models row as the store reads it; a row written before migration 010 has only `config` (format 1). */
interface ModelsRow { config: object; config_source: string | null; config_format: number }

function dbWith(row: ModelsRow): Db {
  return { query: async () => ({ rows: [row] }) } as unknown as Db;
}

const today = parseModelConfig(MINIMAL_YAML, 'churn.yaml');

/** The config as the version before realized performance stored it: resolved, without the keys added since. */
function storedByPreviousVersion(config: ModelConfig): object {
  const { performance: _performance, reference: _reference, monitoring: { window, ...monitoring }, qualityGate, ...rest } = config;
  return {
    ...rest,
    monitoring: { ...monitoring, windowMs: window.kind === 'duration' ? window.ms : null },
    qualityGate: { baselineTolerance: qualityGate!.baselineTolerance },
  };
}

async function storedFailure(row: ModelsRow): Promise<StoredConfigError> {
  const error = await loadStoredConfig(dbWith(row), 'churn').then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(StoredConfigError);
  return error as StoredConfigError;
}

describe('loading a config stored by an earlier version', () => {
  it('fills in the keys added since with their defaults and keeps every stored value', async () => {
    const stored = storedByPreviousVersion({ ...today, retrain: { ...today.retrain, seed: 3 }, qualityGate: { baselineTolerance: 0.1, linearFallback: false } });
    expect(stored).not.toHaveProperty('performance');
    expect(stored).not.toHaveProperty('reference');
    expect(stored).not.toHaveProperty('qualityGate.linearFallback');

    const loaded = await loadStoredConfig(dbWith({ config: stored, config_source: null, config_format: 1 }), 'churn');
    expect(loaded.performance).toEqual({ k: 3, calibration: true });
    expect(loaded.reference).toEqual({ mode: 'auto', periodMs: 365 * DAY_MS });
    expect(loaded.qualityGate).toEqual({ baselineTolerance: 0.1, linearFallback: true });
    expect(loaded.monitoring.window).toEqual({ kind: 'duration', ms: 30 * DAY_MS });
    expect(loaded).toEqual({ ...today, retrain: { ...today.retrain, seed: 3 }, qualityGate: { baselineTolerance: 0.1, linearFallback: true } });
  });

  it('reads a config of the first release, whose window was windowMs and which had no drift, gate or approval sections', async () => {
    const first = {
      model: 'churn', task: 'binary_classification', eventTime: 'event_time', label: 'churned',
      features: [{ name: 'tenure', kind: 'numeric', drift: { test: 'ks', threshold: 0.01 } }, { name: 'plan', kind: 'categorical', drift: { test: 'chi_square', threshold: null } }],
      monitoring: { windowMs: 7 * DAY_MS, minRows: 40, schedule: { every: '6h' } },
      driftRule: { minDriftedShare: 0.5, anyPsiAtLeast: null },
      retrain: { cooldownMs: DAY_MS, trainingWindowMs: 90 * DAY_MS, holdoutFraction: 0.2, minTrainingRows: 100, seed: 42 },
      tuning: { trials: 4, parallelism: 2, space: { learningRate: { type: 'float', min: 0.001, max: 0.1, log: true } } },
      promotion: { metric: 'roc_auc', minImprovement: 0.005 },
      alerts: [{ type: 'webhook', url: 'https://hooks.example.com/churn', events: ['drift_detected', 'retrain_failed'] }],
    };
    const loaded = await loadStoredConfig(dbWith({ config: first, config_source: null, config_format: 1 }), 'churn');
    expect(loaded).toMatchObject({
      features: [{ name: 'tenure', drift: { test: 'ks', threshold: 0.01 } }, { name: 'plan', drift: { test: 'chi_square', threshold: null } }],
      monitoring: { window: { kind: 'duration', ms: 7 * DAY_MS }, minRows: 40, schedule: { every: '6h' }, blindAlertAfter: 3 },
      driftRule: { minDriftedShare: 0.5, weights: {} },
      retrain: { cooldownMs: DAY_MS, trainingWindowMs: 90 * DAY_MS, heartbeatTimeoutMs: 60_000, classWeights: 'auto' },
      qualityGate: { linearFallback: true },
      tuning: { trials: 4, strategy: 'bayesian', space: { learningRate: { min: 0.001 } } },
      promotion: { metric: 'roc_auc', minImprovement: 0.005, requireConfidentImprovement: true },
      approval: null,
      performance: { k: 3, calibration: true },
      alerts: [{ type: 'webhook', url: 'https://hooks.example.com/churn', events: ['drift_detected', 'retrain_failed'], minSeverity: 'info', timeoutMs: 10_000 }],
    });
  });

  it('refuses a stored value this version no longer accepts, naming the model and the field, and saying to register again', async () => {
    const stored = storedByPreviousVersion(today);
    const error = await storedFailure({ config: { ...stored, retrain: { ...today.retrain, holdoutFraction: 0.9 } }, config_source: null, config_format: 1 });
    expect(error.issues.map((issue) => issue.path)).toEqual(['retrain.holdoutFraction']);
    expect(error.message).toContain("model 'churn'");
    expect(error.message).toContain('driftwatch models register');
  });
});

describe('loading a registered model file', () => {
  it('parses the file again, so keys the file leaves out take the defaults of this version', async () => {
    const loaded = await loadStoredConfig(dbWith({ config: { stale: true }, config_source: MINIMAL_YAML, config_format: 2 }), 'churn');
    expect(loaded).toEqual(today);
  });

  it('refuses a file this version no longer accepts, naming the model and the field, and saying to register again', async () => {
    const error = await storedFailure({ config: today, config_source: `${MINIMAL_YAML}tuning: { trails: 4 }\n`, config_format: 2 });
    expect(error.issues).toEqual([{ path: 'tuning.trails', message: "unknown key 'trails'; did you mean 'trials'?" }]);
    expect(error.message).toMatch(/^invalid model config stored for model 'churn':\n {2}- tuning\.trails: unknown key 'trails'/);
    expect(error.message).toContain("fix the model file and register it again ('driftwatch models register <file>')");
  });

  it('refuses a row stored by a newer version', async () => {
    await expect(loadStoredConfig(dbWith({ config: today, config_source: MINIMAL_YAML, config_format: 3 }), 'churn'))
      .rejects.toThrow("model 'churn' was registered by a newer driftwatch (config format 3); upgrade this one");
  });
});
