export {
  BACKEND_ENV_VAR,
  BackendCrashError,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  BackendReplacedError,
  type Tensorflow,
  type TensorflowRuntime,
  describeBackend,
  initTensorflow,
} from './backend';
export {
  BASELINE_LOGISTIC_C,
  BASELINE_RIDGE_ALPHA,
  type BaselineInput,
  type BaselineKind,
  type BaselineModel,
  type LinearBaseline,
  type PriorBaseline,
  fitBaseline,
  predictBaseline,
} from './baseline';
export { type LinearBaselineParameters, linearBaselineArtifact } from './baseline-artifact';
export { MAX_ABS_REGRESSION_LABEL, MAX_CLASS_COUNT } from './labels';
export {
  CheckpointMismatchError,
  type ClassWeightOption,
  DEFAULT_HYPERPARAMETERS,
  type EncodedTensors,
  type EpochProgress,
  type Hyperparameters,
  type ModelArtifact,
  type TrainInput,
  type TrainResult,
  type TrainingCheckpoint,
  type TrainingFingerprint,
  type ValidationStrategy,
  predict,
  splitForValidation,
  trainModel,
} from './model';
export { type FeatureInput, type FittedFeature, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';
