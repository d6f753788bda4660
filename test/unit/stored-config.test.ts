import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelConfig, parseModelConfig, type ModelConfig } from '../../src/config';
import { modelFileOf, sourceOfConfig } from '../../src/stored-config';

const EXAMPLE_PATH = path.join(__dirname, '../../examples/seattle-weather.yaml');

/** Every section away from its default, and every kind of alert route. */
const EVERYTHING_YAML = `
model: fraud
task: binary_classification
eventTime: ts
label: is_fraud
features:
  - { name: amount, kind: numeric, drift: { test: psi, threshold: 0.3 } }
  - { name: country, kind: categorical }
monitoring: { window: auto, windowRows: 500, minRows: 50, schedule: { cron: '0 * * * *' }, blindAlertAfter: 5, minMeasuredShare: 0.7 }
drift:
  binning: { strategy: equal_width, bins: 20 }
  smoothing: evidently
  ksMethod: exact
  thresholds: { strategy: constant }
  correction: bonferroni
  nullRateShift: null
  outOfRangeShare: 0.2
  effectSizeFloor: { ks: 0.2, chi_square: 0 }
  referenceSampleLimit: 5000
  referenceChunks: 4
  rule: { driftedShare: 0.3, anyPsiAtLeast: 0.25, weights: { amount: 2 } }
reference: { mode: seasonal, period: 7d }
performance: { k: 2, calibration: false }
retrain:
  cooldown: 0s
  trainingWindow: 90d
  holdoutFraction: 0.3
  minTrainingRows: 500
  seed: 7
  heartbeatTimeout: 90s
  validation: recent
  minEpochs: 3
  classWeights: balanced
  backoff: { initial: 2d, multiplier: 3, max: 30d, askAfterRejections: 2, rearmLabelledRows: 50 }
qualityGate: { baselineTolerance: 0.1, linearFallback: false }
tuning:
  trials: 9
  parallelism: 3
  timeBudget: 45m
  strategy: random
  initialRandomTrials: 4
  warmStartRuns: 0
  pruning: null
  space: { learningRate: { type: float, min: 0.001, max: 0.1, log: true }, batchSize: { type: categorical, choices: [32, 64] } }
promotion:
  metric: roc_auc
  minImprovement: 0.01
  requireConfidentImprovement: false
  minHoldoutRows: 100
  secondary: [{ metric: log_loss, tolerance: 0.05 }]
  confidence: 0.9
  bootstrapResamples: 500
  guardrail: { tolerance: 0.02, referenceRows: 300 }
approval: { required: true, timeout: 2d, onTimeout: promote }
alerts:
  - { type: webhook, url: 'https://hooks.example.com/driftwatch', secretEnv: HOOK_SECRET, events: [drift_detected], minSeverity: warning, timeout: 5s, rateLimit: 1h }
  - { type: slack, urlEnv: SLACK_URL }
  - { type: pagerduty, routingKeyEnv: PD_KEY }
`;

describe('the model file of a resolved config', () => {
  it.each([
    ['the example', () => loadModelConfig(EXAMPLE_PATH)],
    ['every section changed', () => parseModelConfig(EVERYTHING_YAML, 'everything.yaml')],
    ['a duration window and no sections', () => parseModelConfig('{ model: m, task: regression, label: y, features: [{ name: x, kind: numeric }], monitoring: { window: 30d }, '
      + 'performance: null, qualityGate: null, retrain: { backoff: null }, tuning: { timeBudget: 2h } }', 'sections.yaml')],
  ])('resolves back to the same config: %s', async (_name, load) => {
    const config = await load();
    const { text, config: stored } = sourceOfConfig(config);
    expect(stored).toEqual(config);
    expect(parseModelConfig(text, 'stored')).toEqual(config);
  });

  it('writes durations in the config notation', () => {
    const file = modelFileOf(parseModelConfig(EVERYTHING_YAML, 'everything.yaml'));
    expect(file.retrain).toMatchObject({ cooldown: '0s', trainingWindow: '90d', heartbeatTimeout: '90s', backoff: { initial: '2d', max: '30d' } });
    expect(file.reference).toEqual({ mode: 'seasonal', period: '7d' });
  });

  it('refuses a config built in code with a key the model file would lose', () => {
    const config = parseModelConfig(EVERYTHING_YAML, 'everything.yaml');
    const extended = { ...config, retrain: { ...config.retrain, warmRestarts: 2 } } as ModelConfig;
    expect(() => sourceOfConfig(extended)).toThrow("model 'fraud': the config.retrain.warmRestarts does not survive being stored as a model file");
  });
});
