import type { ParameterValues, SearchSpace } from '../src/tuning';

/** The Branin-Hoo function, a standard optimisation benchmark (global minimum 0.397887). */
export const BRANIN: { space: SearchSpace; minimum: number; f: (p: ParameterValues) => number } = {
  space: { x1: { type: 'float', min: -5, max: 10 }, x2: { type: 'float', min: 0, max: 15 } },
  minimum: 0.397887,
  f: (p) => {
    const x1 = p.x1 as number;
    const x2 = p.x2 as number;
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};
