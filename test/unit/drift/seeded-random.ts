/** Deterministic random numbers for the drift tests, so every run sees the same samples. */

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): uniform in [0, 1). Each draw is an integer divided by
 * 2^32, so the same sequence can be reproduced exactly in Python when checking values against scipy.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by the Box-Muller transform. */
export function normalSampler(seed: number, mean = 0, sd = 1): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u = 1 - uniform(); // in (0, 1], so the logarithm is finite
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

export function draw(count: number, next: () => number): number[] {
  return Array.from({ length: count }, next);
}

export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}
