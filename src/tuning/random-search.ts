import { createRng, deriveSeed } from './random';
import { type ParameterSpec, type ParameterValues, type SearchSpace, validateSearchSpace } from './search-space';

/**
 * Proposes `count` random trials. Trial i draws from its own generator seeded by (seed, startIndex + i),
 * so a trial's values depend only on its index: proposing 10 trials at once or 5 + 5 gives the same values.
 * Parameters are drawn in name order, so the key order of the configuration does not matter.
 */
export function proposeRandomTrials(
  space: SearchSpace,
  count: number,
  seed: number,
  startIndex = 0,
): ParameterValues[] {
  validateSearchSpace(space);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
    throw new RangeError(`startIndex must be a non-negative integer, got ${startIndex}`);
  }
  const parameters = Object.entries(space).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Array.from({ length: count }, (_, offset) => {
    const random = createRng(deriveSeed(seed, startIndex + offset));
    const values: ParameterValues = {};
    for (const [name, spec] of parameters) values[name] = sampleParameter(spec, random);
    return values;
  });
}

function sampleParameter(spec: ParameterSpec, random: () => number): string | number | boolean {
  const u = random();
  switch (spec.type) {
    case 'float': {
      const value = spec.log
        ? Math.exp(interpolate(Math.log(spec.min), Math.log(spec.max), u))
        : interpolate(spec.min, spec.max, u);
      // exp(log(x)) can land an ulp outside the bounds.
      return clamp(value, spec.min, spec.max);
    }
    case 'int': {
      if (spec.log) {
        // Widen by half a step each side so rounding gives the end points their fair share.
        const value = Math.exp(interpolate(Math.log(spec.min - 0.5), Math.log(spec.max + 0.5), u));
        return clamp(Math.round(value), spec.min, spec.max);
      }
      return spec.min + Math.floor(u * (spec.max - spec.min + 1));
    }
    case 'categorical':
      return spec.choices[Math.floor(u * spec.choices.length)]!;
  }
}

function interpolate(from: number, to: number, fraction: number): number {
  return from + (to - from) * fraction;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
