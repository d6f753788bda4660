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
