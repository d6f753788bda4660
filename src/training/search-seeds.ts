/**
 * Configurations of the MLP worth evaluating before any proposal. The linear one comes first on a
 * cold start: on near-linear tabular data a few random or Bayesian trials often land on networks
 * that underfit (a small learning rate for the epochs given) or overfit, and lose to a plain
 * logistic regression, which the quality gate then fails. AutoML systems seed their search with
 * simple models for the same reason.
 */
import type { ParameterValues, SearchSpace } from '../tuning/search-space';

/**
 * A network without hidden layers (a logistic, softmax or linear regression) trained with the
 * space's largest learning rate (a convex model on standardised inputs converges with it in few
 * epochs), no dropout and the least L2; null when the space does not allow zero hidden layers.
 * Parameters a linear model does not use take their lower bound (hiddenUnits) or first choice.
 */
export function linearModelConfiguration(space: SearchSpace): ParameterValues | null {
  const layers = space.hiddenLayers;
  const allowsNoHiddenLayer = layers !== undefined && (layers.type === 'categorical' ? layers.choices.includes(0) : layers.min <= 0);
  if (!allowsNoHiddenLayer) return null;
  const configuration: ParameterValues = {};
  for (const [name, spec] of Object.entries(space)) {
    if (name === 'hiddenLayers') configuration[name] = 0;
    else if (spec.type === 'categorical') configuration[name] = spec.choices[0]!;
    else configuration[name] = name === 'learningRate' || name === 'epochs' ? spec.max : spec.min;
  }
  return configuration;
}
