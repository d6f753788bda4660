import { mean, standardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  buildReferenceProfileAsync,
  compareToReference,
  ksTwoSample,
  MIN_WINDOW_CHUNKS,
  type CategoricalReference,
  type DriftOptions,
  type FeatureSpec,
  type FeatureTable,
  type NumericReference,
  type ReferenceProfile,
} from '../../../src/drift';
import { draw, mulberry32, normalSampler, sortedCopy } from './seeded-random';

const DAY = 86_400_000;
const ks = (name: string): FeatureSpec => ({ name, kind: 'numeric', drift: { test: 'ks' } });
const chiSquare = (name: string): FeatureSpec => ({ name, kind: 'categorical', drift: { test: 'chi_square' } });
const learned = (k = 3): Partial<DriftOptions> => ({ thresholds: { strategy: 'reference_chunks', k } });

function numericTable(values: number[]): FeatureTable {
  return { rowCount: values.length, columns: { x: values } };
}

describe('window-sized reference chunks', () => {
  it('cuts runs of chunkRows side by side when enough fit, and caps them evenly', () => {
    const values = draw(1000, normalSampler(1));
    const sideBySide = buildReferenceProfile([ks('x')], numericTable(values), { chunkRows: 50 });
    expect(sideBySide).toMatchObject({ formatVersion: 3, chunking: { kind: 'rows', rows: 50, strideRows: 50 }, chunkCount: 20 });
    // Each stored effect size is the KS statistic of its run of rows against the whole reference.
    const whole = sortedCopy(values);
    const third = ksTwoSample(whole, sortedCopy(values.slice(100, 150))).statistic;
    expect((sideBySide.features.x as NumericReference).chunkEffectSizes!.ks![2]).toBeCloseTo(third, 12);
    const capped = buildReferenceProfile([ks('x')], numericTable(draw(10_000, normalSampler(2))), { chunkRows: 50, maxChunks: 40 });
    expect(capped.chunkCount).toBe(40);
  });

  it(`overlaps chunks when fewer than ${MIN_WINDOW_CHUNKS} fit, and never scores a chunk cut short by the reference's end`, () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(300, normalSampler(3))), { chunkRows: 50 });
    expect(profile.chunking).toEqual({ kind: 'rows', rows: 50, strideRows: 250 / 19 });
    expect(profile.chunkCount).toBe(MIN_WINDOW_CHUNKS);
    // 60 rows hold 11 distinct whole runs of 50.
    expect(buildReferenceProfile([ks('x')], numericTable(draw(60, normalSampler(3))), { chunkRows: 50 }).chunkCount).toBe(11);
    expect(buildReferenceProfile([ks('x')], numericTable(draw(40, normalSampler(3))), { chunkRows: 50 }).chunkCount).toBe(0);
  });

  it('cuts spans of event time, skips spans with fewer than minChunkRows values, and checks the times', () => {
    // 40 days of hourly rows with days 10-19 missing: 30 one-day spans with 24 rows, 10 empty ones.
    const times = Array.from({ length: 40 * 24 }, (_, hour) => hour * 3_600_000).filter((t) => t < 10 * DAY || t >= 20 * DAY);
    const table = numericTable(draw(times.length, normalSampler(4)));
    const profile = buildReferenceProfile([ks('x')], table, { chunkMs: DAY, eventTimesMs: times, minChunkRows: 20 });
    expect(profile).toMatchObject({ chunking: { kind: 'duration', ms: DAY, strideMs: DAY }, chunkCount: 30 });
    expect((profile.features.x as NumericReference).chunkScores.wasserstein).toHaveLength(30);
    expect(() => buildReferenceProfile([ks('x')], table, { chunkMs: DAY })).toThrow(/needs eventTimesMs/);
    expect(() => buildReferenceProfile([ks('x')], table, { chunkMs: DAY, eventTimesMs: [...times].reverse() })).toThrow(/event-time order/);
    expect(() => buildReferenceProfile([ks('x')], table, { chunkMs: DAY, eventTimesMs: times, chunkRows: 24 })).toThrow(/not both/);
  });

  it('keeps the equal-count chunks when no window size is given', () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(1000, normalSampler(5))));
    expect(profile).toMatchObject({ chunking: { kind: 'equal_count', chunks: 10 }, chunkCount: 10 });
  });

  it('builds the same profile asynchronously, letting the event loop run in between', async () => {
    const table = numericTable(draw(200_000, normalSampler(6)));
    const order: string[] = [];
    setImmediate(() => order.push('event loop'));
    const built = await buildReferenceProfileAsync([ks('x')], table, { chunkRows: 2000 });
    order.push('built');
    expect(order).toEqual(['event loop', 'built']);
    expect(built).toEqual(buildReferenceProfile([ks('x')], table, { chunkRows: 2000 }));
  });
});

describe('learned effect-size floors for the p-value tests', () => {
  it('learns the KS floor as mean + k·std of the chunk statistics', () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(2000, normalSampler(7))), { chunkRows: 100 });
    const statistics = (profile.features.x as NumericReference).chunkEffectSizes!.ks!;
    expect(statistics).toHaveLength(20);
    const window = numericTable(draw(100, normalSampler(8)));
    const result = compareToReference(profile, [ks('x')], window, { ...learned(2), monitoringWindow: { kind: 'rows', rows: 100 } })[0]!;
    expect(result).toMatchObject({ effectSizeFloorSource: 'reference_chunks', threshold: 0.05, thresholdSource: 'default' });
    expect(result.effectSizeFloor).toBeCloseTo(mean(statistics) + 2 * standardDeviation(statistics), 12);
    expect(result.thresholdDetail).toBeUndefined();
    expect(result.effectSize).toBe(result.details.statistic);
  });

  it('learns the chi-square floor from the total variation distance of each chunk', () => {
    const uniform = mulberry32(9);
    const rows = Array.from({ length: 2000 }, () => (uniform() < 0.3 ? 'rain' : uniform() < 0.5 ? 'fog' : 'dry'));
    const profile = buildReferenceProfile([chiSquare('sky')], { rowCount: rows.length, columns: { sky: rows } }, { chunkRows: 100 });
    const distances = (profile.features.sky as CategoricalReference).chunkEffectSizes!.chi_square!;
    const share = (values: string[], category: string) => values.filter((v) => v === category).length / values.length;
    const firstChunk = rows.slice(0, 100);
    const expected = ['rain', 'fog', 'dry'].reduce((sum, c) => sum + Math.abs(share(rows, c) - share(firstChunk, c)), 0) / 2;
    expect(distances[0]).toBeCloseTo(expected, 12);
    const window = { rowCount: 100, columns: { sky: rows.slice(500, 600) } };
    const result = compareToReference(profile, [chiSquare('sky')], window, learned())[0]!;
    expect(result.effectSizeFloor).toBeCloseTo(mean(distances) + 3 * standardDeviation(distances), 12);
    expect(result).toMatchObject({ effectSizeFloorSource: 'reference_chunks', drifted: false });
  });

  it('never lets a learned floor go below the constant one', () => {
    // 100 chunks of 10,000 rows from one normal: chunk statistics near 0.01, far below 0.1.
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(1_000_000, normalSampler(10))), { chunkRows: 10_000 });
    const result = compareToReference(profile, [ks('x')], numericTable(draw(10_000, normalSampler(11, 0.05))), learned())[0]!;
    expect(result).toMatchObject({ effectSizeFloor: 0.1, effectSizeFloorSource: 'constant', drifted: false });
    expect(result.score).toBeLessThan(0.05);
  });

  it('says when learned thresholds come from chunks of another size, or could not be learned', () => {
    const table = numericTable(draw(2000, normalSampler(12)));
    const window = numericTable(draw(100, normalSampler(13)));
    const byRows = buildReferenceProfile([ks('x')], table, { chunkRows: 100 });
    const other = compareToReference(byRows, [ks('x')], window, { ...learned(), monitoringWindow: { kind: 'rows', rows: 200 } })[0]!;
    expect(other.thresholdDetail).toBe('learned from reference chunks of 100 rows, but the window is 200 rows; retrain to learn them from chunks the size of the monitoring window');
    const equalCount = compareToReference(buildReferenceProfile([ks('x')], table), [ks('x')], window, learned())[0]!;
    expect(equalCount.thresholdDetail).toMatch(/^learned from 10 equal-count reference chunks, not from window-sized ones/);
    // A stored format 2 profile: chunk scores of the distances only, and no record of how the chunks were cut.
    const { chunkEffectSizes: _absentInFormat2, ...x } = byRows.features.x as NumericReference;
    const formatTwo: ReferenceProfile = { formatVersion: 2, rowCount: byRows.rowCount, binning: byRows.binning, smoothing: byRows.smoothing, features: { x } };
    const old = compareToReference(formatTwo, [ks('x')], window, learned())[0]!;
    expect(old).toMatchObject({ measured: true, effectSizeFloor: 0.1, effectSizeFloorSource: 'constant' });
    expect(old.thresholdDetail).toMatch(/reference profile \(format 2\) predates them; the constant effect-size floor applies/);
    const wasserstein: FeatureSpec = { name: 'x', kind: 'numeric', drift: { test: 'wasserstein' } };
    const oldDistance = compareToReference(formatTwo, [wasserstein], window, learned())[0]!;
    expect(oldDistance.thresholdSource).toBe('reference_chunks');
    expect(oldDistance.thresholdDetail).toMatch(/profile format 2/);
  });
});

describe('the effect-size floor on huge windows', () => {
  it('keeps a significant but tiny KS shift from drifting, which plain p < 0.05 flagged', () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(50_000, normalSampler(14))));
    const window = numericTable(draw(50_000, normalSampler(15, 0.05)));
    const plain = compareToReference(profile, [ks('x')], window, { effectSizeFloor: { ks: 0, chi_square: 0 } })[0]!;
    const floored = compareToReference(profile, [ks('x')], window)[0]!;
    expect(plain.drifted).toBe(true);
    expect(floored).toMatchObject({ drifted: false, effectSizeFloor: 0.1, effectSizeFloorSource: 'constant' });
    expect(floored.score).toBe(plain.score);
    expect(floored.score!).toBeLessThan(1e-6);
    expect(floored.effectSize!).toBeLessThan(0.04);
  });

  it('keeps a 2-point change of a category share from drifting chi-square on 50,000 rows', () => {
    const categories = (count: number, rainShare: number, seed: number) => {
      const uniform = mulberry32(seed);
      return { rowCount: count, columns: { sky: Array.from({ length: count }, () => (uniform() < rainShare ? 'rain' : 'dry')) } };
    };
    const profile = buildReferenceProfile([chiSquare('sky')], categories(50_000, 0.3, 16));
    const window = categories(50_000, 0.32, 17);
    const plain = compareToReference(profile, [chiSquare('sky')], window, { effectSizeFloor: { ks: 0, chi_square: 0 } })[0]!;
    const floored = compareToReference(profile, [chiSquare('sky')], window)[0]!;
    expect(plain.drifted).toBe(true);
    expect(floored.drifted).toBe(false);
    expect(floored.effectSize!).toBeGreaterThan(0.01);
    expect(floored.effectSize!).toBeLessThan(0.03);
  });

  it('still flags a 1-std mean shift and a °C → °F unit change on a few hundred rows', () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(draw(300, normalSampler(18, 12, 6))));
    const shifted = compareToReference(profile, [ks('x')], numericTable(draw(300, normalSampler(19, 18, 6))))[0]!;
    const fahrenheit = compareToReference(profile, [ks('x')], numericTable(draw(300, normalSampler(20, 12, 6)).map((c) => c * 1.8 + 32)))[0]!;
    expect(shifted.drifted).toBe(true);
    expect(shifted.effectSize!).toBeGreaterThan(0.3);
    expect(fahrenheit.drifted).toBe(true);
    expect(fahrenheit.effectSize!).toBeGreaterThan(0.9);
  });
});

/**
 * Two years of daily weather with a yearly cycle (temperature ±8 °C, wind ±1.5 m/s, rain more likely in
 * winter). The reference is the first year, chunked by the 30-day monitoring window; each 30-day window of
 * the second year repeats a season the reference has seen.
 */
describe('a seasonal reference with learned thresholds', () => {
  const WINDOW_DAYS = 30;
  const specs: FeatureSpec[] = [
    { name: 'temperature', kind: 'numeric' }, { name: 'wind', kind: 'numeric' }, { name: 'sky', kind: 'categorical' },
  ];
  interface Day { time: number; temperature: number; wind: number; sky: string }
  const noise = normalSampler(21, 0, 3);
  const uniform = mulberry32(22);
  const days: Day[] = Array.from({ length: 730 }, (_, d) => {
    const season = (2 * Math.PI * d) / 365.25;
    return {
      time: Date.UTC(2020, 0, 1) + d * DAY,
      temperature: 10 + 8 * Math.sin(season) + noise(),
      wind: 4 + 1.5 * Math.cos(season) + noise() / 3,
      sky: uniform() < 0.3 + 0.25 * Math.cos(season) ? 'rain' : 'dry',
    };
  });
  const tableOf = (rows: Day[]): FeatureTable => ({
    rowCount: rows.length,
    columns: { temperature: rows.map((r) => r.temperature), wind: rows.map((r) => r.wind), sky: rows.map((r) => r.sky) },
  });
  const reference = days.slice(0, 365);
  const profile = buildReferenceProfile(specs, tableOf(reference), { chunkMs: WINDOW_DAYS * DAY, eventTimesMs: reference.map((r) => r.time) });
  const windows = Array.from({ length: 12 }, (_, month) => days.slice(365 + month * WINDOW_DAYS, 365 + (month + 1) * WINDOW_DAYS));
  const check = (rows: Day[], options: Partial<DriftOptions>) =>
    compareToReference(profile, specs, tableOf(rows), { ...options, monitoringWindow: { kind: 'duration', ms: WINDOW_DAYS * DAY } });
  const driftedFeatures = (options: Partial<DriftOptions>) => windows.map((rows) => check(rows, options).filter((r) => r.drifted).length);

  it('does not drift on any repeated month, where constant thresholds alarmed on most', () => {
    expect(profile).toMatchObject({ chunking: { kind: 'duration', ms: WINDOW_DAYS * DAY }, chunkCount: MIN_WINDOW_CHUNKS });
    expect(driftedFeatures(learned())).toEqual(Array.from({ length: 12 }, () => 0));
    // With constant thresholds, at least two of the three features drifted in most months.
    const constant = driftedFeatures({ thresholds: { strategy: 'constant' } });
    expect(constant.filter((count) => count >= 2).length).toBeGreaterThanOrEqual(8);
    const temperature = check(windows[0]!, learned())[0]!;
    expect(temperature).toMatchObject({ test: 'ks', effectSizeFloorSource: 'reference_chunks' });
    expect(temperature.thresholdDetail).toBeUndefined();
  });

  it('drifts on a °C → °F unit change in every month, and on a strongly shifted climate in nearly every one', () => {
    const drifted = (shift: (day: Day) => Day) => windows.map((rows) => check(rows.map(shift), learned()).map((r) => r.drifted));
    expect(drifted((day) => ({ ...day, temperature: day.temperature * 1.8 + 32 }))).toEqual(windows.map(() => [true, false, false]));
    // Another climate: 20 °C warmer and 4.5 m/s windier, each about three of the reference year's standard deviations.
    const shifted = drifted((day) => ({ ...day, temperature: day.temperature + 20, wind: day.wind + 4.5 }));
    expect(shifted.every(([, wind, sky]) => wind === true && sky === false)).toBe(true);
    // The learned floor is the price of a whole year as reference: a winter month 20 °C warmer looks like summer
    // (KS D 0.82 under the learned floor 0.83 in one month, where only wind drifts). Comparing with the same
    // season a year earlier (reference.mode: seasonal) is what finds such a shift.
    expect(shifted.filter(([temperature]) => temperature).length).toBeGreaterThanOrEqual(11);
  });
});

describe('year-over-year chunk scores (a seasonal reference)', () => {
  const days = (count: number) => Array.from({ length: count }, (_, i) => i * DAY);
  const seasonalValues = (count: number, random: () => number) =>
    days(count).map((time) => Math.sin((2 * Math.PI * time) / (365 * DAY)) + 0.3 * (random() - 0.5));

  it('scores each window-sized chunk of the second year against the same span one period earlier', () => {
    const values = seasonalValues(730, mulberry32(5));
    const profile = buildReferenceProfile([ks('x')], numericTable(values), { chunkRows: 90, seasonalPeriodMs: 365 * DAY, eventTimesMs: days(730) });
    expect(profile.seasonal).toMatchObject({ periodMs: 365 * DAY, chunkCount: MIN_WINDOW_CHUNKS });
    const effects = profile.seasonal!.features.x!.chunkEffectSizes!.ks!;
    expect(effects).toHaveLength(MIN_WINDOW_CHUNKS);
    // The first chunk of the second year (days 365-454) against days 0-89: its KS statistic, recomputed here.
    expect(effects[0]).toBeCloseTo(ksTwoSample(sortedCopy(values.slice(0, 90)), sortedCopy(values.slice(365, 455))).statistic, 12);
    // A season repeats: year-over-year scores are far below those against the whole reference.
    const wholeYear = (profile.features.x as NumericReference).chunkEffectSizes!.ks!;
    expect(mean(effects)).toBeLessThan(mean(wholeYear) / 2);
  });

  it('is absent when the reference is shorter than a period plus a window', () => {
    const profile = buildReferenceProfile([ks('x')], numericTable(seasonalValues(400, mulberry32(6))), {
      chunkRows: 90, seasonalPeriodMs: 365 * DAY, eventTimesMs: days(400),
    });
    expect(profile.seasonal).toBeUndefined();
  });
});
