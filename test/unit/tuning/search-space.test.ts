import { describe, expect, it } from 'vitest';
import { type SearchSpace, SearchSpaceError, validateSearchSpace } from '../../../src/tuning';

function validationError(space: unknown): SearchSpaceError {
  try {
    validateSearchSpace(space as SearchSpace);
  } catch (error) {
    if (error instanceof SearchSpaceError) return error;
    throw error;
  }
  throw new Error('expected validateSearchSpace to throw');
}

describe('validateSearchSpace', () => {
  it('accepts a well-formed space', () => {
    expect(() =>
      validateSearchSpace({
        learningRate: { type: 'float', min: 1e-4, max: 1e-1, log: true },
        hiddenUnits: { type: 'int', min: 8, max: 256, log: true },
        dropout: { type: 'float', min: 0, max: 0.5 },
        activation: { type: 'categorical', choices: ['relu', 'tanh'] },
        useBias: { type: 'categorical', choices: [true, false] },
      }),
    ).not.toThrow();
  });

  it.each([
    ['inverted bounds', { lr: { type: 'float', min: 1, max: 0.1 } }, 'lr', /less than max/],
    ['equal bounds', { lr: { type: 'float', min: 1, max: 1 } }, 'lr', /less than max/],
    ['log with zero min', { lr: { type: 'float', min: 0, max: 1, log: true } }, 'lr', /min > 0/],
    ['non-finite bound', { lr: { type: 'float', min: 0, max: Infinity } }, 'lr', /max must be a finite number/],
    ['fractional int bound', { units: { type: 'int', min: 1.5, max: 8 } }, 'units', /integers/],
    ['empty choices', { activation: { type: 'categorical', choices: [] } }, 'activation', /non-empty/],
    ['duplicate choices', { activation: { type: 'categorical', choices: ['relu', 'relu'] } }, 'activation', /more than once/],
    ['object choice', { activation: { type: 'categorical', choices: [{}] } }, 'activation', /strings, finite numbers or booleans/],
    ['unknown type', { depth: { type: 'integer', min: 1, max: 3 } }, 'depth', /type must be/],
    ['non-object spec', { depth: 3 }, 'depth', /must be an object/],
  ])('rejects %s and names the parameter', (_case, space, parameter, reason) => {
    const error = validationError(space);
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain(`"${parameter}"`);
    expect(error.message).toMatch(reason);
  });
});
