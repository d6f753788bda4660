export { createRng, deriveSeed } from './random';
export { proposeRandomTrials } from './random-search';
export {
  type ParameterSpec,
  type ParameterValues,
  type SearchSpace,
  SearchSpaceError,
  validateSearchSpace,
} from './search-space';
export { proposeBayesianTrials } from './bayesian';
export { encodeSearchSpace, fitGaussianProcess } from './gaussian-process';
export {
  NO_WARM_START,
  type ProposalRequest,
  type TrialOutcome,
  type WarmStart,
  fitsSearchSpace,
  proposeNextTrials,
  warmStartConfigurations,
} from './proposals';
export { type MedianRule, type PruningVerdict, medianRuleVerdict } from './pruning';
