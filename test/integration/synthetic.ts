/**
 * A seeded synthetic stream for the integration tests: three numeric features and a segment, one
 * row per hour, and a label from a logistic model whose coefficients can change (concept drift).
 */
import { createRng } from '../../src/tuning/random';

export interface StreamOptions { start: string; rows: number; seed: number; shift?: number; weights?: [number, number, number]; labelNoise?: number }

export function syntheticRows(options: StreamOptions): Record<string, unknown>[] {
  const rng = createRng(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const [w1, w2, w3] = options.weights ?? [2, -1.5, 0.5];
  const start = new Date(options.start).getTime();
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < options.rows; i += 1) {
    const x1 = normal() + (options.shift ?? 0);
    const x2 = normal();
    const x3 = normal();
    const segment = rng() < 0.5 ? 'a' : 'b';
    const logit = w1 * (x1 - (options.shift ?? 0)) + w2 * x2 + w3 * x3 + (segment === 'a' ? 0.3 : -0.3);
    const clean = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const label = options.labelNoise && rng() < options.labelNoise ? (rng() < 0.5 ? 1 : 0) : clean;
    rows.push({ event_time: new Date(start + i * 3_600_000).toISOString(), x1, x2, x3, segment, label });
  }
  return rows;
}

/** Per-class weights of x1, x2 and x3; a row's label is drawn from the softmax of the classes' scores. */
export type ClassWeights = ReadonlyArray<readonly [number, number, number]>;

export interface MulticlassStreamOptions { start: string; rows: number; seed: number; shift?: number; classWeights?: ClassWeights }

// Three classes that split the (x1, x2) plane into wedges, so a small network separates them well above chance.
const DEFAULT_CLASS_WEIGHTS: ClassWeights = [
  [2.5, 0, 0],
  [-1.25, 2.2, 0],
  [-1.25, -2.2, 0.5],
];

/**
 * The multi-class twin of syntheticRows: the same columns, with the label a class index 0..K-1
 * (K = classWeights.length) drawn from a multinomial logistic model. `shift` moves x1 without
 * changing the concept; new classWeights change the concept.
 */
export function syntheticMulticlassRows(options: MulticlassStreamOptions): Record<string, unknown>[] {
  const rng = createRng(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const classWeights = options.classWeights ?? DEFAULT_CLASS_WEIGHTS;
  const shift = options.shift ?? 0;
  const start = new Date(options.start).getTime();
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < options.rows; i += 1) {
    const x1 = normal() + shift;
    const x2 = normal();
    const x3 = normal();
    const segment = rng() < 0.5 ? 'a' : 'b';
    const exponentials = classWeights.map(([w1, w2, w3], k) =>
      Math.exp(w1 * (x1 - shift) + w2 * x2 + w3 * x3 + (segment === 'a' && k === 0 ? 0.3 : 0)),
    );
    let draw = rng() * exponentials.reduce((sum, e) => sum + e, 0);
    let label = 0;
    while (label < exponentials.length - 1 && (draw -= exponentials[label]!) >= 0) label += 1;
    rows.push({ event_time: new Date(start + i * 3_600_000).toISOString(), x1, x2, x3, segment, label });
  }
  return rows;
}

export interface SeasonalDailyOptions { start: string; days: number; seed: number; fahrenheitFrom?: string }

/**
 * A seeded weather-like daily stream with a yearly season: temperatures follow a sine over the
 * year, wind does not, and rain is more likely on cold, windy days. Every month differs from the
 * year as a whole, but a month is like the same month a year earlier. From `fahrenheitFrom` the
 * temperatures are reported in °F (the label still follows the °C value).
 */
export function seasonalDailyRows(options: SeasonalDailyOptions): Record<string, unknown>[] {
  const rng = createRng(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const start = Date.parse(options.start);
  const fahrenheitFrom = options.fahrenheitFrom ? Date.parse(options.fahrenheitFrom) : Infinity;
  const rows: Record<string, unknown>[] = [];
  for (let day = 0; day < options.days; day += 1) {
    const time = start + day * 86_400_000;
    const dayOfYear = (time - Date.UTC(new Date(time).getUTCFullYear(), 0, 1)) / 86_400_000;
    const temp = 12 + 9 * Math.sin((2 * Math.PI * (dayOfYear - 110)) / 365) + 3 * normal();
    const tempMin = temp - 6 + 1.5 * normal();
    const wind = Math.max(0, 3 + 1.2 * normal());
    const rain = rng() < 1 / (1 + Math.exp(0.3 * (temp - 12) - 0.6 * (wind - 3))) ? 1 : 0;
    const reported = (celsius: number) => (time >= fahrenheitFrom ? celsius * 1.8 + 32 : celsius);
    rows.push({ event_time: new Date(time).toISOString(), temp: reported(temp), temp_min: reported(tempMin), wind, rain });
  }
  return rows;
}
