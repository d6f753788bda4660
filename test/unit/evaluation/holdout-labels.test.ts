/** The holdout's labels are checked as training labels are, before any model scores them. */
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/config';
import { InvalidLabelsError } from '../../../src/errors';
import { evaluateChallenger, type EvaluationStore } from '../../../src/evaluation/evaluate-challenger';

const config = parseModelConfig(`
model: classes
task: multiclass_classification
label: label
features:
  - { name: x1, kind: numeric }
`, '<holdout labels>');

function storeWithHoldoutLabels(labels: number[]): EvaluationStore & { artifactsLoaded: number } {
  const store = {
    artifactsLoaded: 0,
    async rows() {
      return labels.map((label, i) => ({ features: { x1: i }, label, eventTime: new Date(Date.UTC(2026, 0, 1, i)) }));
    },
    async artifact() {
      store.artifactsLoaded += 1;
      throw new Error('not reached');
    },
    trainingWindow: async () => null,
    earlierHoldout: async () => [],
    recordMetrics: async () => undefined,
  };
  return store;
}

describe('evaluateChallenger', () => {
  it('refuses a holdout class far beyond any the models could have, naming its row by event time, before loading a model', async () => {
    const store = storeWithHoldoutLabels([0, 1, 2, 999999, 1]);
    const request = {
      split: { asOfRowId: '5', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', holdoutStart: null, trainingRows: 0, holdoutRows: 5 },
      challengerVersion: 1, championVersion: null, rule: config.promotion, seed: 1,
    };
    const error = await evaluateChallenger(store, config, request).then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidLabelsError);
    expect((error as Error).message).toBe(
      'holdout: multiclass labels must be below 1000 (at most 1000 classes), got 999999 at row 3 (event time 2026-01-01T03:00:00.000Z)',
    );
    expect(store.artifactsLoaded).toBe(0);
  });
});
