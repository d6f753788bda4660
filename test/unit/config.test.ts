import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALERT_EVENTS,
  ConfigError,
  loadModelConfig,
  parseDuration,
  parseModelConfig,
  type ConfigIssue,
  type ModelConfig,
} from '../../src/config';

const EXAMPLE_PATH = path.join(__dirname, '../../examples/seattle-weather.yaml');

const MINIMAL_YAML = `
model: house-prices
task: regression
label: price
features:
  - name: area
    kind: numeric
  - name: district
    kind: categorical
`;

/** A minimal valid config as an object; tests change one part and pass it as JSON (which YAML reads too). */
function minimalWith(changes: Record<string, unknown>): string {
  return JSON.stringify({
    model: 'house-prices',
    task: 'regression',
    label: 'price',
    features: [
      { name: 'area', kind: 'numeric' },
      { name: 'district', kind: 'categorical' },
    ],
    ...changes,
  });
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseModelConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

function onlyIssue(text: string): ConfigIssue {
  const issues = issuesOf(text);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe('parseModelConfig defaults', () => {
  it('fills in every default', () => {
    const expected: ModelConfig = {
      model: 'house-prices',
      task: 'regression',
      eventTime: 'event_time',
      label: 'price',
      features: [
        { name: 'area', kind: 'numeric', drift: { test: 'auto', threshold: null } },
        { name: 'district', kind: 'categorical', drift: { test: 'auto', threshold: null } },
      ],
      monitoring: { window: { kind: 'rows', rows: 90 }, minRows: 30, schedule: { every: '1h' }, blindAlertAfter: 3, minMeasuredShare: 0.5 },
      drift: {
        binning: { strategy: 'quantile', bins: 10 },
        smoothing: { kind: 'constant', epsilon: 1e-4 },
        ksMethod: 'auto',
        thresholds: { strategy: 'reference_chunks', k: 3 },
        correction: 'none',
        nullRateShift: 0.1,
        outOfRangeShare: 0.1,
        effectSizeFloor: { ks: 0.1, chi_square: 0.1 },
        referenceSampleLimit: 1_000_000,
        referenceChunks: 10,
      },
      reference: { mode: 'auto', periodMs: 365 * 86_400_000 },
      performance: { k: 3, calibration: true },
      driftRule: { minDriftedShare: 0.5, anyPsiAtLeast: null, weights: {} },
      retrain: {
        cooldownMs: 86_400_000,
        trainingWindowMs: 365 * 86_400_000,
        holdoutFraction: 0.2,
        minTrainingRows: 200,
        seed: 42,
        heartbeatTimeoutMs: 60_000,
        validation: 'stratified',
        minEpochs: 10,
        classWeights: 'auto',
        backoff: { initialMs: 'window', multiplier: 2, maxMs: 90 * 86_400_000, askAfterRejections: 3, rearmLabelledRows: 200 },
      },
      qualityGate: { baselineTolerance: 0.25, linearFallback: true },
      tuning: {
        trials: 6,
        parallelism: 2,
        timeBudgetMs: null,
        strategy: 'bayesian',
        initialRandomTrials: 2,
        warmStartRuns: 3,
        pruning: { warmupEpochs: 5, minCompletedTrials: 3 },
        space: {
          learningRate: { type: 'float', min: 0.0005, max: 0.05, log: true },
          hiddenUnits: { type: 'int', min: 8, max: 64, log: true },
          hiddenLayers: { type: 'int', min: 0, max: 3 },
          dropout: { type: 'float', min: 0, max: 0.3 },
          l2: { type: 'float', min: 0.000001, max: 0.01, log: true },
        },
      },
      promotion: {
        metric: 'rmse',
        minImprovement: 0,
        requireConfidentImprovement: true,
        confidence: 0.95,
        bootstrapResamples: 1000,
        minHoldoutRows: 200,
        secondary: [],
        guardrail: null,
      },
      approval: null,
      alerts: [],
    };
    expect(parseModelConfig(MINIMAL_YAML, 'minimal.yaml')).toEqual(expected);
  });

  it('defaults the promotion metric by task: a proper scoring rule, with ROC AUC and F1 as secondary guards for classifiers', () => {
    const config = parseModelConfig(minimalWith({ task: 'binary_classification' }), '<inline>');
    expect(config.promotion.metric).toBe('log_loss');
    expect(config.promotion.secondary).toEqual([{ metric: 'roc_auc', tolerance: 0.02 }, { metric: 'f1', tolerance: 0.05 }]);
  });

  it('takes a duration window or the newest rows, and refuses a row window smaller than minRows', () => {
    expect(parseModelConfig(minimalWith({ monitoring: { window: '30d' } }), '<inline>').monitoring.window).toEqual({ kind: 'duration', ms: 30 * 86_400_000 });
    expect(parseModelConfig(minimalWith({ monitoring: { windowRows: 500 } }), '<inline>').monitoring.window).toEqual({ kind: 'rows', rows: 500 });
    expect(onlyIssue(minimalWith({ monitoring: { windowRows: 10 } }))).toEqual({
      path: 'monitoring.windowRows', message: 'expected at least monitoring.minRows (30), got 10: every check would be not_measured',
    });
    expect(onlyIssue(minimalWith({ monitoring: { window: '30d', windowRows: 500 } })).path).toBe('monitoring.windowRows');
  });

  it('turns the back-off and the quality gate off with null', () => {
    const config = parseModelConfig(minimalWith({ retrain: { backoff: null }, qualityGate: null }), '<inline>');
    expect(config.retrain.backoff).toBeNull();
    expect(config.qualityGate).toBeNull();
  });

  it('turns the linear fallback off alone, keeping the gate', () => {
    const config = parseModelConfig(minimalWith({ qualityGate: { linearFallback: false } }), '<inline>');
    expect(config.qualityGate).toEqual({ baselineTolerance: 0.25, linearFallback: false });
  });

  it('fills in defaults inside partially given sections', () => {
    const config = parseModelConfig(
      minimalWith({
        monitoring: { window: '30d' },
        drift: { rule: { anyPsiAtLeast: 0.25 } },
        features: [{ name: 'area', kind: 'numeric', drift: { test: 'psi' } }],
        alerts: [{ type: 'webhook', url: 'https://example.test/hook' }],
      }),
      '<inline>',
    );
    expect(config.monitoring).toEqual({
      window: { kind: 'duration', ms: 30 * 86_400_000 }, minRows: 30, schedule: { every: '1h' }, blindAlertAfter: 3, minMeasuredShare: 0.5,
    });
    expect(config.driftRule).toEqual({ minDriftedShare: 0.5, anyPsiAtLeast: 0.25, weights: {} });
    expect(config.features[0]!.drift).toEqual({ test: 'psi', threshold: null });
    expect(config.alerts[0]!.events).toEqual([
      'drift_detected', 'retrain_failed', 'retrain_cancelled', 'model_promoted', 'model_rejected', 'approval_required', 'monitor_blind',
      'retraining_not_helping',
    ]);
  });

  it('fills in the guardrail metric and reference rows, and keeps a guardrail off unless given', () => {
    const config = parseModelConfig(
      minimalWith({ promotion: { metric: 'mae', requireConfidentImprovement: true, confidence: 0.9, guardrail: { tolerance: 0.5 } } }),
      '<inline>',
    );
    expect(config.promotion).toEqual({
      metric: 'mae',
      minImprovement: 0,
      requireConfidentImprovement: true,
      confidence: 0.9,
      bootstrapResamples: 1000,
      minHoldoutRows: 200,
      secondary: [],
      guardrail: { metric: 'mae', tolerance: 0.5, referenceRows: 500 },
    });
    const explicit = parseModelConfig(minimalWith({ promotion: { guardrail: { metric: 'r2', tolerance: 0, referenceRows: 2000 } } }), '<inline>');
    expect(explicit.promotion.guardrail).toEqual({ metric: 'r2', tolerance: 0, referenceRows: 2000 });
    expect(parseModelConfig(minimalWith({ promotion: { guardrail: null } }), '<inline>').promotion.guardrail).toBeNull();
  });

  it('lowers the default parallelism to the number of trials', () => {
    expect(parseModelConfig(minimalWith({ tuning: { trials: 1 } }), '<inline>').tuning.parallelism).toBe(1);
  });

  it('accepts a cron schedule instead of an interval', () => {
    const config = parseModelConfig(minimalWith({ monitoring: { schedule: { cron: '*/15 0-6,22 * * 1-5' } } }), '<inline>');
    expect(config.monitoring.schedule).toEqual({ cron: '*/15 0-6,22 * * 1-5' });
  });

  it('returns plain JSON that survives a round trip', () => {
    const config = parseModelConfig(MINIMAL_YAML, 'minimal.yaml');
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('does not share default arrays between configs', () => {
    const yaml = minimalWith({ alerts: [{ type: 'webhook', url: 'https://hooks.example.test/x' }] });
    const first = parseModelConfig(yaml, '<inline>');
    first.alerts[0]!.events.pop();
    first.tuning.space.dropout = { type: 'float', min: 0, max: 0.9 };
    const second = parseModelConfig(yaml, '<inline>');
    expect(second.alerts[0]!.events).toHaveLength(ALERT_EVENTS.length);
    expect(second.tuning.space.dropout).toEqual({ type: 'float', min: 0, max: 0.3 });
  });
});

describe('the example config', () => {
  it('parses to the documented seattle-weather model', async () => {
    const config = await loadModelConfig(EXAMPLE_PATH);
    expect(config).toMatchObject({
      model: 'seattle-rain',
      task: 'binary_classification',
      eventTime: 'date',
      label: 'rain',
      monitoring: { window: { kind: 'rows', rows: 90 }, schedule: { every: '1h' } },
      tuning: { trials: 6, parallelism: 2 },
      promotion: { metric: 'log_loss', minImprovement: 0.01 },
      alerts: [{ type: 'webhook', url: 'http://127.0.0.1:9999/driftwatch', allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] }],
    });
    expect(config.features.map((feature) => [feature.name, feature.kind])).toEqual([
      ['temp_max', 'numeric'],
      ['temp_min', 'numeric'],
      ['wind', 'numeric'],
    ]);
  });

  it('does not use precipitation, which defines the label', async () => {
    const config = await loadModelConfig(EXAMPLE_PATH);
    expect(config.features.map((feature) => feature.name)).not.toContain('precipitation');
  });
});

describe('parseModelConfig errors', () => {
  it('names an unknown key and suggests the close one', () => {
    const issue = onlyIssue(
      minimalWith({ features: [{ name: 'area', kind: 'numeric', drift: { test: 'ks', treshold: 0.1 } }] }),
    );
    expect(issue).toEqual({
      path: 'features[0].drift.treshold',
      message: "unknown key 'treshold'; did you mean 'threshold'?",
    });
  });

  it('lists the allowed keys when no known key is close', () => {
    const issue = onlyIssue(minimalWith({ monitoring: { frequency: 3 } }));
    expect(issue.path).toBe('monitoring.frequency');
    expect(issue.message).toBe("unknown key 'frequency'; expected one of window, windowRows, minRows, blindAlertAfter, minMeasuredShare, schedule");
  });

  it('counts swapped letters as one typo', () => {
    const issue = onlyIssue(minimalWith({ tuning: { space: { dropout: { type: 'float', min: 0, max: 0.3, lgo: true } } } }));
    expect(issue).toEqual({ path: 'tuning.space.dropout.lgo', message: "unknown key 'lgo'; did you mean 'log'?" });
  });

  it('reports a bad feature kind with what was expected and found', () => {
    const issue = onlyIssue(minimalWith({ features: [{ name: 'area', kind: 'number' }] }));
    expect(issue).toEqual({ path: 'features[0].kind', message: 'expected "numeric" or "categorical", got "number"' });
  });

  it('lists every issue in the error message, one per line', () => {
    let error: unknown;
    try {
      parseModelConfig(minimalWith({ task: 'regresion', features: [{ name: 'area', kind: 'number' }] }), 'models/x.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('models/x.yaml');
    expect((error as ConfigError).message).toBe(
      [
        'invalid model config models/x.yaml:',
        '  - task: expected "binary_classification", "multiclass_classification" or "regression", got "regresion"',
        '  - features[0].kind: expected "numeric" or "categorical", got "number"',
      ].join('\n'),
    );
  });

  it('rejects a duplicate feature name', () => {
    const issue = onlyIssue(
      minimalWith({
        features: [
          { name: 'area', kind: 'numeric' },
          { name: 'area', kind: 'categorical' },
        ],
      }),
    );
    expect(issue).toEqual({ path: 'features[1].name', message: "duplicate feature name 'area' (also features[0])" });
  });

  it('rejects a feature that is the label or the event time column', () => {
    const issues = issuesOf(
      minimalWith({
        features: [
          { name: 'price', kind: 'numeric' },
          { name: 'event_time', kind: 'categorical' },
        ],
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['features[0].name', 'features[1].name']);
    expect(issues[0]!.message).toContain('label');
    expect(issues[1]!.message).toContain('event time');
  });

  it('rejects a ks test on a categorical feature, naming the feature', () => {
    const issue = onlyIssue(minimalWith({ features: [{ name: 'district', kind: 'categorical', drift: { test: 'ks' } }] }));
    expect(issue.path).toBe('features[0].drift.test');
    expect(issue.message).toContain("'district'");
    expect(issue.message).toContain('use one of psi, jensen_shannon, chi_square or auto');
  });

  it('checks thresholds by test: ks in (0, 1), psi above 0', () => {
    const issues = issuesOf(
      minimalWith({
        features: [
          { name: 'a', kind: 'numeric', drift: { test: 'ks', threshold: 1 } },
          { name: 'b', kind: 'numeric', drift: { test: 'psi', threshold: 0 } },
          { name: 'c', kind: 'numeric', drift: { test: 'psi', threshold: 3 } },
        ],
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['features[0].drift.threshold', 'features[1].drift.threshold']);
  });

  it('rejects a bad duration, naming the key', () => {
    const issue = onlyIssue(minimalWith({ retrain: { cooldown: '2 weeks' } }));
    expect(issue.path).toBe('retrain.cooldown');
    expect(issue.message).toBe(`expected a duration such as '500ms', '90s', '15m', '12h', '30d' or '2w', got "2 weeks"`);
  });

  it('rejects a zero window but allows a zero cooldown', () => {
    expect(onlyIssue(minimalWith({ monitoring: { window: '0d' } })).path).toBe('monitoring.window');
    expect(parseModelConfig(minimalWith({ retrain: { cooldown: '0s' } }), '<inline>').retrain.cooldownMs).toBe(0);
  });

  it('rejects a metric that does not belong to the task', () => {
    const issue = onlyIssue(minimalWith({ promotion: { metric: 'roc_auc' } }));
    expect(issue).toEqual({
      path: 'promotion.metric',
      message: "metric 'roc_auc' does not apply to task 'regression'; expected one of rmse, mae, r2",
    });
  });

  it('checks the promotion options, naming the nested key', () => {
    const issues = issuesOf(
      minimalWith({
        promotion: { confidence: 0.9999, bootstrapResamples: 50.5, requireConfidentImprovement: 'yes', guardrail: { referenceRows: 0 } },
      }),
    );
    expect(issues).toEqual([
      { path: 'promotion.requireConfidentImprovement', message: 'expected a boolean, got "yes"' },
      { path: 'promotion.confidence', message: 'expected a number <= 0.999, got 0.9999' },
      { path: 'promotion.bootstrapResamples', message: 'expected an integer, got 50.5' },
      { path: 'promotion.guardrail.tolerance', message: 'missing; expected a number' },
      { path: 'promotion.guardrail.referenceRows', message: 'expected a number >= 1, got 0' },
    ]);
    expect(onlyIssue(minimalWith({ promotion: { bootstrapResamples: 10 } }))).toEqual({
      path: 'promotion.bootstrapResamples',
      message: 'expected a number >= 100, got 10',
    });
    expect(onlyIssue(minimalWith({ promotion: { guardrail: { tolerance: -0.1 } } }))).toEqual({
      path: 'promotion.guardrail.tolerance',
      message: 'expected a number >= 0, got -0.1',
    });
    expect(onlyIssue(minimalWith({ promotion: { guardrail: { tolerance: 0.1, metrc: 'mae' } } }))).toEqual({
      path: 'promotion.guardrail.metrc',
      message: "unknown key 'metrc'; did you mean 'metric'?",
    });
  });

  it('rejects a guardrail metric that does not belong to the task', () => {
    const issue = onlyIssue(minimalWith({ promotion: { guardrail: { metric: 'accuracy', tolerance: 0.1 } } }));
    expect(issue).toEqual({
      path: 'promotion.guardrail.metric',
      message: "metric 'accuracy' does not apply to task 'regression'; expected one of rmse, mae, r2",
    });
  });

  it('rejects parallelism above the number of trials', () => {
    const issue = onlyIssue(minimalWith({ tuning: { trials: 2, parallelism: 3 } }));
    expect(issue.path).toBe('tuning.parallelism');
    expect(issue.message).toContain('expected at most trials (2), got 3');
  });

  it('rejects a non-http(s) alert URL', () => {
    const issue = onlyIssue(minimalWith({ alerts: [{ type: 'webhook', url: 'ftp://example.test/hook' }] }));
    expect(issue).toEqual({ path: 'alerts[0].url', message: 'expected an http(s) URL, got "ftp://example.test/hook"' });
  });

  it('rejects a cron expression without 5 fields or with an out-of-range value', () => {
    const tooShort = onlyIssue(minimalWith({ monitoring: { schedule: { cron: '0 * * *' } } }));
    expect(tooShort.path).toBe('monitoring.schedule.cron');
    expect(tooShort.message).toContain('found 4 field(s)');
    const badHour = onlyIssue(minimalWith({ monitoring: { schedule: { cron: '0 24 * * *' } } }));
    expect(badHour.message).toContain('hour 24 is outside 0-23');
  });

  it('requires exactly one of every and cron', () => {
    const issue = onlyIssue(minimalWith({ monitoring: { schedule: { every: '1h', cron: '0 * * * *' } } }));
    expect(issue).toEqual({ path: 'monitoring.schedule', message: "expected exactly one of 'every' or 'cron'" });
  });

  it('rejects an unknown hyperparameter, listing the allowed ones', () => {
    const issue = onlyIssue(minimalWith({ tuning: { space: { batchsize: { type: 'int', min: 16, max: 64 } } } }));
    expect(issue.path).toBe('tuning.space.batchsize');
    expect(issue.message).toContain("did you mean 'batchSize'?");
    expect(issue.message).toContain('learningRate, hiddenUnits, hiddenLayers, dropout, l2, batchSize, epochs');
  });

  it('reports search space problems found by the tuning module at the parameter', () => {
    const issue = onlyIssue(minimalWith({ tuning: { space: { l2: { type: 'float', min: 0, max: 0.1, log: true } } } }));
    expect(issue.path).toBe('tuning.space.l2');
    expect(issue.message).toContain('log scale');
  });

  it('reports an unknown parameter type with the allowed ones', () => {
    const issue = onlyIssue(minimalWith({ tuning: { space: { l2: { type: 'double', min: 0, max: 1 } } } }));
    expect(issue).toEqual({ path: 'tuning.space.l2.type', message: 'expected "float", "int" or "categorical", got "double"' });
  });

  it('reports missing required keys and wrong types', () => {
    const issues = issuesOf(
      JSON.stringify({ model: 'Not Valid', task: 'regression', features: [], monitoring: { minRows: 2.5 } }),
    );
    expect(issues).toEqual([
      {
        path: 'model',
        message: `expected 1-63 lowercase letters, digits, '_' or '-' starting with a letter or digit, got "Not Valid"`,
      },
      { path: 'label', message: 'missing; expected a string' },
      { path: 'features', message: 'expected at least 1 item(s), got 0' },
      { path: 'monitoring.minRows', message: 'expected an integer, got 2.5' },
    ]);
  });

  it('checks numeric ranges', () => {
    const issues = issuesOf(
      minimalWith({
        drift: { rule: { driftedShare: 0 } },
        retrain: { holdoutFraction: 0.6 },
        promotion: { minImprovement: -0.1 },
      }),
    );
    expect(issues).toEqual([
      { path: 'drift.rule.driftedShare', message: 'expected a number > 0, got 0' },
      { path: 'retrain.holdoutFraction', message: 'expected a number <= 0.5, got 0.6' },
      { path: 'promotion.minImprovement', message: 'expected a number >= 0, got -0.1' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const issue = onlyIssue('model: a\nmodel: b\n');
    expect(issue.message).toMatch(/^YAML syntax error at line 2, column 1: /);
  });

  it('rejects a document that is not a mapping', () => {
    expect(onlyIssue('- a\n- b\n')).toEqual({ path: '', message: 'expected a mapping, got a list' });
  });
});

describe('parseDuration', () => {
  it('converts every unit to milliseconds', () => {
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('15m', 'x')).toBe(900_000);
    expect(parseDuration('12h', 'x')).toBe(43_200_000);
    expect(parseDuration('30d', 'x')).toBe(2_592_000_000);
    expect(parseDuration('2w', 'x')).toBe(1_209_600_000);
  });

  it.each(['', '7', 'd', '1.5h', '-1d', '7 days', '3y'])('rejects %j, naming the path', (text) => {
    expect(() => parseDuration(text, 'retrain.cooldown')).toThrow(ConfigError);
    expect(() => parseDuration(text, 'retrain.cooldown')).toThrow(/retrain\.cooldown: expected a duration/);
  });
});

describe('loadModelConfig', () => {
  it('names the file in the error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-config-'));
    try {
      const file = path.join(dir, 'broken.yaml');
      await writeFile(file, minimalWith({ task: 'clustering' }));
      await expect(loadModelConfig(file)).rejects.toMatchObject({ name: 'ConfigError', source: file });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('drift settings', () => {
  const base = { model: 'm', task: 'binary_classification', label: 'y', features: [{ name: 'a', kind: 'numeric' }] };

  it('defaults every feature to the auto test and fills in the drift options', () => {
    const config = parseModelConfig(JSON.stringify(base), '<inline>');
    expect(config.features[0]!.drift).toEqual({ test: 'auto', threshold: null });
    expect(config.drift).toMatchObject({ binning: { strategy: 'quantile', bins: 10 }, correction: 'none', nullRateShift: 0.1 });
  });

  it('reads every drift option', () => {
    const config = parseModelConfig(
      JSON.stringify({
        ...base,
        drift: {
          binning: { strategy: 'evidently' }, smoothing: 'evidently', ksMethod: 'exact',
          thresholds: { strategy: 'reference_chunks', k: 2 }, correction: 'benjamini_hochberg', nullRateShift: null,
          outOfRangeShare: 0.25, referenceSampleLimit: 1000, referenceChunks: 5, rule: { weights: { a: 2 } },
        },
      }),
      '<inline>',
    );
    expect(config.drift).toEqual({
      binning: { strategy: 'evidently', bins: 10 }, smoothing: { kind: 'evidently' }, ksMethod: 'exact',
      thresholds: { strategy: 'reference_chunks', k: 2 }, correction: 'benjamini_hochberg', nullRateShift: null,
      outOfRangeShare: 0.25, effectSizeFloor: { ks: 0.1, chi_square: 0.1 }, referenceSampleLimit: 1000, referenceChunks: 5,
    });
    expect(config.driftRule.weights).toEqual({ a: 2 });
  });

  it('refuses a threshold without an explicit test, and weights of unknown features', () => {
    const withThreshold = () => parseModelConfig(JSON.stringify({ ...base, features: [{ name: 'a', kind: 'numeric', drift: { threshold: 0.1 } }] }), 'x');
    expect(withThreshold).toThrow(/features\[0\]\.drift\.threshold: a threshold needs an explicit drift\.test/);
    const badWeight = () => parseModelConfig(JSON.stringify({ ...base, drift: { rule: { weights: { b: 1 } } } }), 'x');
    expect(badWeight).toThrow(/drift\.rule\.weights\.b: 'b' is not a feature of this model/);
  });
});

describe('seasonality-aware drift settings', () => {
  const base = { model: 'm', task: 'binary_classification', label: 'y', features: [{ name: 'a', kind: 'numeric' }] };
  const parse = (changes: Record<string, unknown>) => parseModelConfig(JSON.stringify({ ...base, ...changes }), '<inline>');

  it('learns thresholds, floors p-value effect sizes at 0.1 and lets two features of three decide, by default', () => {
    const config = parse({});
    expect(config.drift.thresholds).toEqual({ strategy: 'reference_chunks', k: 3 });
    expect(config.drift.effectSizeFloor).toEqual({ ks: 0.1, chi_square: 0.1 });
    expect(config.driftRule).toMatchObject({ minDriftedShare: 0.5, anyPsiAtLeast: null });
    expect(config.reference).toEqual({ mode: 'auto', periodMs: 365 * 86_400_000 });
  });

  it('reads constant thresholds, effect-size floors and the reference mode and period', () => {
    const config = parse({
      drift: { thresholds: { strategy: 'constant' }, effectSizeFloor: { ks: 0.05, chi_square: 0 } },
      reference: { mode: 'seasonal', period: '52w' },
    });
    expect(config.drift.thresholds).toEqual({ strategy: 'constant' });
    expect(config.drift.effectSizeFloor).toEqual({ ks: 0.05, chi_square: 0 });
    expect(config.reference).toEqual({ mode: 'seasonal', periodMs: 52 * 604_800_000 });
    expect(parse({ reference: { mode: 'rolling' } }).reference.mode).toBe('rolling');
  });

  it('refuses floors outside [0, 1), a zero period and an unknown mode', () => {
    expect(() => parse({ drift: { effectSizeFloor: { ks: 1 } } })).toThrow(/drift\.effectSizeFloor\.ks: expected a number < 1, got 1/);
    expect(() => parse({ drift: { effectSizeFloor: { wasserstein: 0.1 } } })).toThrow(/drift\.effectSizeFloor\.wasserstein: unknown key/);
    expect(() => parse({ reference: { period: '0d' } })).toThrow(/reference\.period: expected a non-zero duration/);
    expect(() => parse({ reference: { mode: 'yearly' } })).toThrow(/reference\.mode: expected "auto", "training", "seasonal" or "rolling", got "yearly"/);
  });
});
