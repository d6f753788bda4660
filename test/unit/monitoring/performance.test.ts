/** Realized performance: the band learned from window-sized chunks, and the judgement of a window against it. */
import { describe, expect, it } from 'vitest';
import { judgePerformance, learnPerformanceReference, measurePerformance, type PerformanceSample } from '../../../src/monitoring/performance';
import { scorePredictions } from '../../../src/metrics';
import { referenceChunks } from '../../../src/drift/reference-profile';
import { mean } from 'simple-statistics';
import { createRng } from '../../../src/tuning/random';

const rng = createRng(7);
const binaryRows = Array.from({ length: 600 }, () => {
  const p = 0.1 + 0.8 * rng();
  return { p, label: rng() < p ? 1 : 0 };
});
const binarySample = (rows: typeof binaryRows): PerformanceSample => ({
  task: 'binary_classification', labels: rows.map((r) => r.label), predictions: Float32Array.from(rows, (r) => r.p),
});

describe('measurePerformance', () => {
  it('is the promotion metric (log loss) and the calibration in the large for binary classification', () => {
    const sample = binarySample(binaryRows.slice(0, 100));
    const measured = measurePerformance(sample);
    expect(measured.loss).toBeCloseTo(scorePredictions('binary_classification', sample.labels, sample.predictions).log_loss!, 12);
    const meanLabel = binaryRows.slice(0, 100).reduce((s, r) => s + r.label, 0) / 100;
    const meanPredicted = Array.from(sample.predictions).reduce((s, p) => s + p, 0) / 100;
    expect(measured.calibration).toBeCloseTo(meanLabel - meanPredicted, 6);
  });

  it('is RMSE for regression, and scores a class the multiclass model never saw', () => {
    expect(measurePerformance({ task: 'regression', labels: [1, 2, 3], predictions: Float32Array.from([1, 2, 5]) }))
      .toEqual({ loss: Math.sqrt(4 / 3), calibration: null });
    // Two known classes; the second row's label is a third class, probability 0 (clipped).
    const unseen = measurePerformance({ task: 'multiclass_classification', labels: [0, 2], predictions: Float32Array.from([0.9, 0.1, 0.5, 0.5]) });
    expect(unseen.loss).toBeGreaterThan(10);
    expect(unseen.calibration).toBeNull();
  });
});

describe('learnPerformanceReference and judgePerformance', () => {
  const learn = (rows: typeof binaryRows, chunkRows = 90) => learnPerformanceReference(
    'binary_classification', rows.length, { chunkRows }, { k: 3, minRows: 30 },
    async (start, end) => binarySample(rows.slice(start, end)),
  );

  it('learns mean ± k·std over window-sized chunks, and none when the rows hold fewer than four windows', async () => {
    const reference = (await learn(binaryRows))!;
    expect(reference).toMatchObject({ metric: 'log_loss', chunkRows: 90, chunking: '90 rows', chunks: 20, k: 3 });
    expect(reference.loss.upper).toBeCloseTo(reference.loss.mean + 3 * reference.loss.std, 12);
    expect(reference.calibration!.lower).toBeCloseTo(reference.calibration!.mean - 3 * reference.calibration!.std, 12);
    expect(reference.loss.std).toBeGreaterThan(0);
    expect(await learn(binaryRows.slice(0, 350))).toBeNull();
    expect(await learn(binaryRows.slice(0, 360))).not.toBeNull();
  });

  it('scores each run of rows the chunks cover once (the model loads once), with the same result as chunk by chunk', async () => {
    const calls: Array<[number, number]> = [];
    const once = await learnPerformanceReference('binary_classification', binaryRows.length, { chunkRows: 90 }, { k: 3, minRows: 30 },
      async (start, end) => {
        calls.push([start, end]);
        return binarySample(binaryRows.slice(start, end));
      });
    // 20 overlapping chunks of 600 rows form one run.
    expect(calls).toEqual([[0, 600]]);
    // Each chunk measured on its own rows gives the same mean loss.
    const { ranges } = referenceChunks(binaryRows.length, { chunkRows: 90 }, 30);
    const chunkLosses = ranges.map(({ start, end }) => measurePerformance(binarySample(binaryRows.slice(start, end))).loss);
    expect(once!.loss.mean).toBeCloseTo(mean(chunkLosses), 6);
  });

  it('is ok inside the band, degraded above it (loss) or outside it (calibration, either side)', async () => {
    const reference = (await learn(binaryRows))!;
    const ok = await judgePerformance('binary_classification', reference, 90, 30, async () => ({ loss: reference.loss.mean, calibration: 0 }));
    expect(ok).toMatchObject({ status: 'ok', degraded: [] });
    expect(ok.reason).toMatch(/^performance ok: log_loss [0-9.]+ on 90 labelled rows \(reference at most [0-9.]+: mean [0-9.]+ ± 3·[0-9.]+ over 20 chunks of 90 rows\)/);
    const worse = await judgePerformance('binary_classification', reference, 90, 30, async () => ({ loss: reference.loss.upper + 0.01, calibration: 0 }));
    expect(worse).toMatchObject({ status: 'degraded', degraded: ['loss'] });
    for (const calibration of [reference.calibration!.upper + 0.01, reference.calibration!.lower - 0.01]) {
      const judged = await judgePerformance('binary_classification', reference, 90, 30, async () => ({ loss: reference.loss.mean, calibration }));
      expect(judged).toMatchObject({ status: 'degraded', degraded: ['calibration'] });
    }
  });

  it('widens the bands for a window with fewer labelled rows than the chunks (labels still arriving), never narrows them', async () => {
    const reference = (await learn(binaryRows))!;
    // mean + 4.2·std: above the band (3·std), inside it widened ×1.5 (4.5·std).
    const loss = reference.loss.upper + 0.4 * (reference.loss.upper - reference.loss.mean);
    const full = await judgePerformance('binary_classification', reference, 90, 30, async () => ({ loss, calibration: 0 }));
    expect(full).toMatchObject({ status: 'degraded', lossUpper: reference.loss.upper });
    // 40 of 90: the bands widen by √(90/40) = 1.5, and the same loss is inside.
    const partial = await judgePerformance('binary_classification', reference, 40, 30, async () => ({ loss, calibration: 0 }));
    expect(partial.status).toBe('ok');
    expect(partial.lossUpper).toBeCloseTo(reference.loss.mean + 3 * reference.loss.std * 1.5, 12);
    expect(partial.calibrationBand![1] - partial.calibrationBand![0]).toBeCloseTo(1.5 * (reference.calibration!.upper - reference.calibration!.lower), 12);
    expect(partial.reason).toContain('bands widened ×1.50: 40 labelled rows against chunks of 90');
    const more = await judgePerformance('binary_classification', reference, 200, 30, async () => ({ loss, calibration: 0 }));
    expect(more.lossUpper).toBe(reference.loss.upper);
  });

  it('does not measure with too few labels or without a reference, and says why', async () => {
    const reference = (await learn(binaryRows))!;
    const never = async () => { throw new Error('must not score'); };
    expect(await judgePerformance('binary_classification', reference, 12, 30, never))
      .toMatchObject({ status: 'insufficient_labels', reason: expect.stringContaining('12 labelled rows in the window, fewer than monitoring.minRows 30') });
    expect(await judgePerformance('binary_classification', null, 90, 30, never))
      .toMatchObject({ status: 'no_reference', reason: expect.stringContaining('the next retrain learns it') });
  });
});
