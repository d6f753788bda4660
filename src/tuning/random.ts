// Deterministic pseudo-random numbers. Workflow code imports this, so it must not touch
// Math.random, Date or any Node module: replaying a workflow has to reproduce every draw.

const UINT32_RANGE = 2 ** 32;
const GOLDEN_RATIO_32 = 0x9e3779b9;

/** A mulberry32 generator returning numbers in [0, 1). The seed must be a safe integer. */
export function createRng(seed: number): () => number {
  let state = foldToUint32(seed, 'seed');
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / UINT32_RANGE;
  };
}

/**
 * Combines a seed with stream identifiers (a trial index, a layer index, ...) into a new 32-bit seed,
 * so each stream gets its own well-mixed generator and no stream depends on how many draws another made.
 */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let hash = mix32(foldToUint32(seed, 'seed'));
  for (const stream of streams) {
    hash = mix32((hash ^ (mix32(foldToUint32(stream, 'stream')) + GOLDEN_RATIO_32 + (hash << 6) + (hash >>> 2))) >>> 0);
  }
  return hash;
}

/** Folds the high bits of a safe integer into the low 32 so seeds above 2^32 still differ. */
function foldToUint32(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  const low = value >>> 0;
  const high = Math.floor(value / UINT32_RANGE) >>> 0;
  return (low ^ mix32(high)) >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function mix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
