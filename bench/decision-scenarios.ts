/**
 * The decision benchmark's data: the real daily Seattle weather table (vega-datasets, 2012-2015) and
 * shifts injected into it from a known onset date. Rows before the onset are the real rows in every
 * scenario, so a scenario differs from `seattle` only from its onset on.
 */
import { loadSeattleWeather, withFahrenheitFeedFrom, type WeatherRow } from '../src/demo/seattle-weather';
import { createRng, deriveSeed } from '../src/tuning/random';

/** The reference the bootstrap model trains on, and the months then fed one by one. */
export const TRAINING_SPAN = { from: '2012-01-01', toExclusive: '2014-01-01' } as const;
export const FEED_MONTHS = { first: '2014-01', last: '2015-12' } as const;
/** Shifts start half-way through the fed months: a stationary year first, then a shifted year. */
export const SHIFT_ONSET = '2015-01-01';

export interface Scenario {
  name: string;
  description: string;
  /** null: no injected shift (the real, seasonal data). */
  onset: string | null;
  /** Whether the shift changes the features (a feature monitor can see it) or only P(y|x). */
  visibleInFeatures: boolean;
  /** All rows of the scenario, in date order; rows dropped by the shift are absent. */
  rows(seed: number): WeatherRow[];
}

// Seed streams, so each injected noise is independent of the retrain seed derived from the same seed.
const NOISE_STREAM = 0xda7a;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'seattle',
    description: 'the real data, stationary but seasonal; no injected shift',
    onset: null,
    visibleInFeatures: false,
    rows: () => loadSeattleWeather(),
  },
  {
    name: 'unit-change',
    description: `temp_max and temp_min reported in °F instead of °C from ${SHIFT_ONSET}`,
    onset: SHIFT_ONSET,
    visibleInFeatures: true,
    rows: () => withFahrenheitFeedFrom(loadSeattleWeather(), SHIFT_ONSET),
  },
  {
    name: 'covariate-shift',
    description: `wind + 1.5 reference std (± 0.2 std noise per day) from ${SHIFT_ONSET}; labels unchanged`,
    onset: SHIFT_ONSET,
    visibleInFeatures: true,
    rows: (seed) => {
      const rows = loadSeattleWeather();
      const std = standardDeviation(referenceRows(rows).map((row) => Number(row.wind)));
      const rng = createRng(deriveSeed(seed, NOISE_STREAM));
      return mapFromOnset(rows, (row) => ({ ...row, wind: round1(Number(row.wind) + std * (1.5 + 0.2 * normal(rng))) }));
    },
  },
  {
    name: 'warm-shift',
    description: `temp_max and temp_min + 1.5 reference std (± 0.2 std noise per day) from ${SHIFT_ONSET}: a moderate shift of the seasonal features; labels unchanged`,
    onset: SHIFT_ONSET,
    visibleInFeatures: true,
    rows: (seed) => {
      const rows = loadSeattleWeather();
      const reference = referenceRows(rows);
      const stds = { temp_max: standardDeviation(reference.map((row) => Number(row.temp_max))), temp_min: standardDeviation(reference.map((row) => Number(row.temp_min))) };
      const rng = createRng(deriveSeed(seed, NOISE_STREAM));
      return mapFromOnset(rows, (row) => {
        const shift = 1.5 + 0.2 * normal(rng);
        return { ...row, temp_max: round1(Number(row.temp_max) + shift * stds.temp_max), temp_min: round1(Number(row.temp_min) + shift * stds.temp_min) };
      });
    },
  },
  {
    name: 'label-rate',
    description: `from ${SHIFT_ONSET} 60% of dry days are missing from the feed (rain rate ~0.43 → ~0.65; P(x|y) unchanged)`,
    onset: SHIFT_ONSET,
    visibleInFeatures: true,
    rows: (seed) => {
      const rng = createRng(deriveSeed(seed, NOISE_STREAM));
      return loadSeattleWeather().filter((row) => String(row.date) < SHIFT_ONSET || row.rain === 1 || rng() >= 0.6);
    },
  },
  {
    name: 'concept-shift',
    description: `from ${SHIFT_ONSET} the label is 1 when the daily temperature range is below the reference median (10% flipped): P(y|x) changes, the features do not`,
    onset: SHIFT_ONSET,
    visibleInFeatures: false,
    rows: (seed) => labelByTemperatureRange(seed, 'below'),
  },
  {
    name: 'concept-inversion',
    description: `from ${SHIFT_ONSET} the label is 1 when the daily temperature range is above the reference median (10% flipped): `
      + 'P(y|x) turns against what the model learned (rain came with small ranges); the features do not change',
    onset: SHIFT_ONSET,
    visibleInFeatures: false,
    rows: (seed) => labelByTemperatureRange(seed, 'above'),
  },
];

export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario '${name}'; expected one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return scenario;
}

export function referenceRows(rows: WeatherRow[]): WeatherRow[] {
  return rowsBetween(rows, TRAINING_SPAN.from, TRAINING_SPAN.toExclusive);
}

export function rowsBetween(rows: WeatherRow[], from: string, toExclusive: string): WeatherRow[] {
  return rows.filter((row) => String(row.date) >= from && String(row.date) < toExclusive);
}

export function feedMonths(): string[] {
  const months: string[] = [];
  for (let month: string = FEED_MONTHS.first; month <= FEED_MONTHS.last; month = nextMonthStart(month).slice(0, 7)) months.push(month);
  return months;
}

/** 'YYYY-MM' → the first day of the following month, 'YYYY-MM-01'. */
export function nextMonthStart(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`;
}

/** From the onset, the label says whether the day's temperature range is below (or above) the reference median, 10% flipped. */
function labelByTemperatureRange(seed: number, side: 'below' | 'above'): WeatherRow[] {
  const rows = loadSeattleWeather();
  const spread = (row: WeatherRow) => Number(row.temp_max) - Number(row.temp_min);
  const median = quantile(referenceRows(rows).map(spread), 0.5);
  const rng = createRng(deriveSeed(seed, NOISE_STREAM));
  return mapFromOnset(rows, (row) => {
    const label = (spread(row) < median) === (side === 'below') ? 1 : 0;
    return { ...row, rain: rng() < 0.1 ? 1 - label : label };
  });
}

function mapFromOnset(rows: WeatherRow[], shift: (row: WeatherRow) => WeatherRow): WeatherRow[] {
  return rows.map((row) => (String(row.date) >= SHIFT_ONSET ? shift(row) : row));
}

function normal(rng: () => number): number {
  // Box-Muller; 1 - u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
