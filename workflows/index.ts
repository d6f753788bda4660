/** The workflows the worker registers. Deterministic code only: Temporal bundles this into its sandbox. */
export { modelMonitorWorkflow } from './monitor';
export { monitorTickWorkflow } from './tick';
export { retrainWorkflow } from './retrain';
export { rollbackWorkflow } from './rollback';
