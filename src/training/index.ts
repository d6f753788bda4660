export {
  BACKEND_ENV_VAR,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  type Tensorflow,
  type TensorflowRuntime,
  initTensorflow,
} from './backend';
export {
  DEFAULT_HYPERPARAMETERS,
  type EpochProgress,
  type Hyperparameters,
  type ModelArtifact,
  type TrainInput,
  type TrainResult,
  predict,
  trainModel,
} from './model';
export { type FeatureInput, type FittedFeature, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';
