import { describe, expect, it } from 'vitest';
import { linearModelConfiguration } from '../../../src/training/search-seeds';
import { fitsSearchSpace } from '../../../src/tuning';

describe('linearModelConfiguration', () => {
  const space = {
    learningRate: { type: 'float' as const, min: 0.0005, max: 0.05, log: true },
    hiddenUnits: { type: 'int' as const, min: 8, max: 64, log: true },
    hiddenLayers: { type: 'int' as const, min: 0, max: 3 },
    dropout: { type: 'float' as const, min: 0, max: 0.3 },
    l2: { type: 'float' as const, min: 0.000001, max: 0.01, log: true },
    epochs: { type: 'categorical' as const, choices: [30, 60] },
  };

  it('is a network without hidden layers, with the largest learning rate and the least regularisation, inside the space', () => {
    const configuration = linearModelConfiguration(space);
    expect(configuration).toEqual({ learningRate: 0.05, hiddenUnits: 8, hiddenLayers: 0, dropout: 0, l2: 0.000001, epochs: 30 });
    expect(fitsSearchSpace(space, configuration!)).toBe(true);
  });

  it('is absent when the space requires hidden layers or does not tune them', () => {
    expect(linearModelConfiguration({ ...space, hiddenLayers: { type: 'int', min: 1, max: 3 } })).toBeNull();
    expect(linearModelConfiguration({ learningRate: space.learningRate })).toBeNull();
    expect(linearModelConfiguration({ ...space, hiddenLayers: { type: 'categorical', choices: [1, 2] } })).toBeNull();
    expect(linearModelConfiguration({ ...space, hiddenLayers: { type: 'categorical', choices: [2, 0] } })?.hiddenLayers).toBe(0);
  });
});
