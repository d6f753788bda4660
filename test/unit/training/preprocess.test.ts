import { describe, expect, it } from 'vitest';
import { type FeatureInput, fitPreprocessor, transformRows } from '../../../src/training';

const features: FeatureInput[] = [
  { name: 'amount', kind: 'numeric' },
  { name: 'channel', kind: 'categorical' },
];

const trainingRows = [
  { amount: 1, channel: 'web' },
  { amount: 2, channel: 'store' },
  { amount: 3, channel: 'web' },
  { amount: '6', channel: 'app' },
];

describe('fitPreprocessor', () => {
  it('learns mean, population std and sorted categories from the training rows', () => {
    const pre = fitPreprocessor(features, trainingRows);
    expect(pre).toEqual({
      formatVersion: 1,
      features: [
        { name: 'amount', kind: 'numeric', mean: 3, std: Math.sqrt(3.5) },
        { name: 'channel', kind: 'categorical', categories: ['app', 'store', 'web'] },
      ],
      width: 4,
    });
  });

  it('ignores missing values and falls back to std 1 for constant columns', () => {
    const pre = fitPreprocessor(features, [
      { amount: 5, channel: null },
      { amount: null, channel: '' },
      { amount: 5 },
      { amount: 'n/a', channel: 7 },
    ]);
    expect(pre.features).toEqual([
      { name: 'amount', kind: 'numeric', mean: 5, std: 1 },
      { name: 'channel', kind: 'categorical', categories: ['7'] },
    ]);
  });

  it('rejects duplicate features and empty training data', () => {
    expect(() => fitPreprocessor([...features, { name: 'amount', kind: 'numeric' }], trainingRows)).toThrow(/"amount"/);
    expect(() => fitPreprocessor(features, [])).toThrow(/zero rows/);
  });
});

describe('transformRows', () => {
  const pre = fitPreprocessor(features, trainingRows);
  const std = Math.sqrt(3.5);

  it('standardises numbers and one-hot encodes categories, row-major', () => {
    const matrix = transformRows(pre, [
      { amount: 3, channel: 'app' },
      { amount: 6, channel: 'web' },
    ]);
    expect(matrix).toBeInstanceOf(Float32Array);
    expect(Array.from(matrix)).toEqual(Array.from(Float32Array.from([0, 1, 0, 0, 3 / std, 0, 0, 1])));
  });

  it('maps missing numbers to the mean and unseen or missing categories to all zeros', () => {
    const matrix = transformRows(pre, [
      { amount: undefined, channel: 'phone' },
      { channel: undefined },
      { amount: Number.NaN, channel: 'store' },
    ]);
    expect(Array.from(matrix)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('round-trips through JSON', () => {
    const restored = JSON.parse(JSON.stringify(pre)) as typeof pre;
    const rows = [{ amount: 2.5, channel: 'store' }];
    expect(transformRows(restored, rows)).toEqual(transformRows(pre, rows));
  });
});
