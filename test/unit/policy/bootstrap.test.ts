import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scorePredictions, type MetricName, type Task } from '../../../src/metrics';
import { pairedBootstrap, type PairedBootstrapInput } from '../../../src/policy/bootstrap';
import { createRng } from '../../../src/tuning/random';

/** A holdout where the challenger's predictions are noisier or cleaner than the champion's, per `noise`. */
function regressionHoldout(rows: number, seed: number, noise = { challenger: 1, champion: 1.3 }) {
  const random = createRng(seed);
  const labels = Array.from({ length: rows }, () => random() * 10);
  const challenger = labels.map((label) => label + noise.challenger * (random() - 0.5));
  const champion = labels.map((label) => label + noise.champion * (random() - 0.5));
  return { labels, challenger, champion };
}

function classificationHoldout(rows: number, seed: number) {
  const random = createRng(seed);
  const labels = Array.from({ length: rows }, () => (random() < 0.4 ? 1 : 0));
  const clamp = (p: number) => Math.min(0.99, Math.max(0.01, p));
  const challenger = labels.map((label) => clamp(0.3 + 0.35 * label + 0.5 * (random() - 0.5)));
  const champion = labels.map((label) => clamp(0.3 + 0.25 * label + 0.5 * (random() - 0.5)));
  return { labels, challenger, champion };
}

function bootstrap(task: Task, metric: MetricName, holdout: { labels: number[]; challenger: number[]; champion: number[] }, options: Partial<PairedBootstrapInput> = {}) {
  return pairedBootstrap({ task, metric, ...holdout, resamples: 500, confidence: 0.95, seed: 7, ...options });
}

/** The textbook version: gather each resample's rows in the order drawn and score both models on them. */
function naiveInterval(task: Task, metric: MetricName, holdout: { labels: number[]; challenger: number[]; champion: number[] }, resamples: number, seed: number) {
  const random = createRng(seed);
  const n = holdout.labels.length;
  const sign = metric === 'rmse' || metric === 'mae' || metric === 'log_loss' ? -1 : 1;
  const improvements: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rows = Array.from({ length: n }, () => Math.floor(random() * n));
    const labels = rows.map((row) => holdout.labels[row]!);
    const challenger = scorePredictions(task, labels, rows.map((row) => holdout.challenger[row]!))[metric];
    const champion = scorePredictions(task, labels, rows.map((row) => holdout.champion[row]!))[metric];
    if (challenger !== undefined && champion !== undefined) improvements.push(sign * (challenger - champion));
  }
  improvements.sort((a, b) => a - b);
  return { lower: improvements[Math.round(0.025 * (improvements.length - 1))]!, upper: improvements[Math.round(0.975 * (improvements.length - 1))]! };
}

describe('pairedBootstrap', () => {
  it('measures the improvement in the metric’s better direction', () => {
    const holdout = regressionHoldout(300, 1);
    const rmse = bootstrap('regression', 'rmse', holdout)!;
    const scores = { challenger: scorePredictions('regression', holdout.labels, holdout.challenger), champion: scorePredictions('regression', holdout.labels, holdout.champion) };
    expect(rmse.improvement).toBeCloseTo(scores.champion.rmse! - scores.challenger.rmse!, 12);
    expect(rmse.lower).toBeGreaterThan(0);
    expect(rmse.upper).toBeGreaterThan(rmse.lower);
    const r2 = bootstrap('regression', 'r2', holdout)!;
    expect(r2.improvement).toBeCloseTo(scores.challenger.r2! - scores.champion.r2!, 12);
    expect(r2.lower).toBeGreaterThan(0);
  });

  it('agrees with a textbook bootstrap on ROC AUC and log loss, within Monte Carlo error', () => {
    const holdout = classificationHoldout(300, 2);
    for (const metric of ['roc_auc', 'log_loss'] as const) {
      const ours = bootstrap('binary_classification', metric, holdout, { resamples: 1000 })!;
      const naive = naiveInterval('binary_classification', metric, holdout, 1000, 99);
      const width = naive.upper - naive.lower;
      expect(width).toBeGreaterThan(0);
      expect(Math.abs(ours.lower - naive.lower)).toBeLessThan(0.1 * width);
      expect(Math.abs(ours.upper - naive.upper)).toBeLessThan(0.1 * width);
    }
  }, 20_000);

  it('narrows with more holdout rows', () => {
    const width = (rows: number) => {
      const interval = bootstrap('regression', 'mae', regressionHoldout(rows, 3))!;
      return interval.upper - interval.lower;
    };
    expect(width(2000)).toBeLessThan(width(200) / 2);
  });

  it('widens with the confidence level', () => {
    const holdout = regressionHoldout(300, 4);
    const narrow = bootstrap('regression', 'mae', holdout, { confidence: 0.8 })!;
    const wide = bootstrap('regression', 'mae', holdout, { confidence: 0.99 })!;
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  it('skips and counts resamples on which the metric is undefined', () => {
    // One positive in 20 rows: about (19/20)^20 ≈ 36% of resamples draw no positive, so ROC AUC is undefined there.
    const labels = Array.from({ length: 20 }, (_, i) => (i === 0 ? 1 : 0));
    const challenger = labels.map((label, i) => (label === 1 ? 0.9 : i / 40));
    const champion = labels.map((_, i) => i / 20);
    const interval = pairedBootstrap({ task: 'binary_classification', metric: 'roc_auc', labels, challenger, champion, resamples: 1000, confidence: 0.95, seed: 5 })!;
    expect(interval.resamples + interval.skippedResamples).toBe(1000);
    expect(interval.skippedResamples).toBeGreaterThan(250);
    expect(interval.skippedResamples).toBeLessThan(480);
  });

  it('returns null when the metric is undefined on the full holdout', () => {
    const labels = [1, 1, 1, 1];
    expect(pairedBootstrap({ task: 'binary_classification', metric: 'roc_auc', labels, challenger: [0.9, 0.8, 0.7, 0.6], champion: [0.5, 0.5, 0.5, 0.5], resamples: 100, confidence: 0.95, seed: 1 })).toBeNull();
  });

  it('resamples whole rows when each row has one prediction per class', () => {
    const random = createRng(6);
    const labels = Array.from({ length: 300 }, () => Math.floor(random() * 3));
    const probabilities = (confidence: number) =>
      labels.flatMap((label) => {
        const predicted = random() < confidence ? label : (label + 1) % 3;
        return [0, 1, 2].map((k) => (k === predicted ? 0.6 : 0.2));
      });
    const interval = pairedBootstrap({
      task: 'multiclass_classification', metric: 'accuracy', labels, challenger: probabilities(0.9), champion: probabilities(0.6),
      resamples: 500, confidence: 0.95, seed: 8,
    })!;
    expect(interval.improvement).toBeGreaterThan(0.2);
    expect(interval.lower).toBeGreaterThan(0.2);
    expect(interval.upper).toBeLessThan(0.4);
  });

  it('rejects inputs it cannot resample', () => {
    const base = { task: 'regression' as const, metric: 'rmse' as const, labels: [1, 2, 3], challenger: [1, 2, 3], champion: [1, 2, 3], resamples: 100, confidence: 0.95, seed: 1 };
    expect(() => pairedBootstrap({ ...base, labels: [], challenger: [], champion: [] })).toThrow(/empty holdout/);
    expect(() => pairedBootstrap({ ...base, champion: [1, 2] })).toThrow(/differ in length/);
    expect(() => pairedBootstrap({ ...base, challenger: [1, 2, 3, 4], champion: [1, 2, 3, 4] })).toThrow(/whole number of predictions per row/);
    expect(() => pairedBootstrap({ ...base, resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedBootstrap({ ...base, confidence: 1 })).toThrow(/confidence/);
  });
});

describe('properties of pairedBootstrap (fast-check)', () => {
  const regression = fc.record({
    rows: fc.integer({ min: 30, max: 200 }),
    seed: fc.nat(),
    challengerNoise: fc.double({ min: 0.1, max: 3, noNaN: true }),
    championNoise: fc.double({ min: 0.1, max: 3, noNaN: true }),
  }).map(({ rows, seed, challengerNoise, championNoise }) => ({ seed, holdout: regressionHoldout(rows, seed, { challenger: challengerNoise, champion: championNoise }) }));
  const classification = fc.record({ rows: fc.integer({ min: 30, max: 200 }), seed: fc.nat() })
    .map(({ rows, seed }) => ({ seed, holdout: classificationHoldout(rows, seed) }));

  it('identical predictions give an improvement of 0 and the interval [0, 0]', () => {
    fc.assert(fc.property(fc.oneof(regression, classification), fc.constantFrom<MetricName>('rmse', 'mae', 'r2', 'roc_auc', 'log_loss', 'accuracy'), ({ seed, holdout }, metric) => {
      const task: Task = holdout.labels.every((label) => label === 0 || label === 1) ? 'binary_classification' : 'regression';
      if ((task === 'regression') !== ['rmse', 'mae', 'r2'].includes(metric)) return;
      const interval = pairedBootstrap({ task, metric, labels: holdout.labels, challenger: holdout.champion, champion: holdout.champion, resamples: 100, confidence: 0.95, seed });
      if (interval === null) return;
      expect(interval).toMatchObject({ improvement: 0, lower: 0, upper: 0 });
    }), { numRuns: 60 });
  });

  it('the interval contains the point estimate', () => {
    fc.assert(fc.property(regression, fc.constantFrom<MetricName>('rmse', 'mae'), ({ seed, holdout }, metric) => {
      const interval = bootstrap('regression', metric, holdout, { resamples: 300, seed })!;
      expect(interval.lower).toBeLessThanOrEqual(interval.improvement);
      expect(interval.upper).toBeGreaterThanOrEqual(interval.improvement);
    }), { numRuns: 40 });
    fc.assert(fc.property(classification, ({ seed, holdout }) => {
      const interval = bootstrap('binary_classification', 'log_loss', holdout, { resamples: 300, seed })!;
      expect(interval.lower).toBeLessThanOrEqual(interval.improvement);
      expect(interval.upper).toBeGreaterThanOrEqual(interval.improvement);
    }), { numRuns: 40 });
  }, 20_000);

  it('the same seed gives the same result', () => {
    fc.assert(fc.property(classification, fc.nat(), ({ holdout }, seed) => {
      const first = bootstrap('binary_classification', 'roc_auc', holdout, { resamples: 200, seed });
      expect(bootstrap('binary_classification', 'roc_auc', holdout, { resamples: 200, seed })).toEqual(first);
    }), { numRuns: 20 });
  }, 20_000);
});
