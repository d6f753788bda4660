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
  CheckpointMismatchError,
  DEFAULT_HYPERPARAMETERS,
  type EncodedTensors,
  type EpochProgress,
  type Hyperparameters,
  type ModelArtifact,
  type TrainInput,
  type TrainResult,
  type TrainingCheckpoint,
  type TrainingFingerprint,
  predict,
  trainModel,
} from './model';
export { type FeatureInput, type FittedFeature, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';
