/**
 * The way back from a resolved ModelConfig to the model file it resolves from. A registered model
 * keeps the file its owner wrote and every load parses it again, so defaults an upgrade introduces
 * apply without registering again. Two kinds of stored config have no such text: configs stored
 * before the text was kept (only the resolved JSON of their day, lacking every key added since) and
 * configs built in code (tests, the demo, the bench). Both become the file written here, whose
 * missing keys then take today's defaults.
 */
import { isDeepStrictEqual } from 'node:util';
import { duration } from './cli/format';
import { parseModelConfig, type AlertConfig, type ModelConfig, type ModelFileInput, type ModelSource } from './config';

type DeepPartial<T> = T extends ReadonlyArray<infer Item>
  ? ReadonlyArray<DeepPartial<Item>>
  : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * A resolved config as any version stored it: keys added since are missing, and the window was
 * `monitoring.windowMs` before it could be a row count.
 */
export type StoredModelConfig = DeepPartial<ModelConfig> & { monitoring?: { windowMs?: number } };

/** The model file that resolves to `config`, keeping every value it has; keys it lacks are left out, so they take their defaults. */
export function modelFileOf(config: StoredModelConfig): DeepPartial<ModelFileInput> {
  const { monitoring, drift, driftRule, reference, retrain, qualityGate, tuning, promotion, approval } = config;
  return {
    model: config.model,
    task: config.task,
    eventTime: config.eventTime,
    label: config.label,
    features: config.features,
    monitoring: monitoring && {
      ...windowOf(monitoring),
      minRows: monitoring.minRows,
      schedule: monitoring.schedule,
      blindAlertAfter: monitoring.blindAlertAfter,
      minMeasuredShare: monitoring.minMeasuredShare,
    },
    drift: {
      binning: drift?.binning,
      smoothing: drift?.smoothing && (drift.smoothing.kind === 'constant' ? drift.smoothing.epsilon : drift.smoothing.kind),
      ksMethod: drift?.ksMethod,
      thresholds: drift?.thresholds,
      correction: drift?.correction,
      nullRateShift: drift?.nullRateShift,
      outOfRangeShare: drift?.outOfRangeShare,
      effectSizeFloor: drift?.effectSizeFloor,
      referenceSampleLimit: drift?.referenceSampleLimit,
      referenceChunks: drift?.referenceChunks,
      rule: driftRule && { driftedShare: driftRule.minDriftedShare, anyPsiAtLeast: driftRule.anyPsiAtLeast, weights: driftRule.weights },
    },
    reference: reference && { mode: reference.mode, period: durationText(reference.periodMs) },
    performance: config.performance,
    retrain: retrain && {
      cooldown: durationText(retrain.cooldownMs),
      trainingWindow: durationText(retrain.trainingWindowMs),
      holdoutFraction: retrain.holdoutFraction,
      minTrainingRows: retrain.minTrainingRows,
      seed: retrain.seed,
      heartbeatTimeout: durationText(retrain.heartbeatTimeoutMs),
      validation: retrain.validation,
      minEpochs: retrain.minEpochs,
      classWeights: retrain.classWeights,
      backoff: retrain.backoff && {
        initial: retrain.backoff.initialMs === 'window' ? 'window' : durationText(retrain.backoff.initialMs),
        multiplier: retrain.backoff.multiplier,
        max: durationText(retrain.backoff.maxMs),
        askAfterRejections: retrain.backoff.askAfterRejections,
        rearmLabelledRows: retrain.backoff.rearmLabelledRows,
      },
    },
    qualityGate,
    tuning: tuning && {
      trials: tuning.trials,
      parallelism: tuning.parallelism,
      timeBudget: tuning.timeBudgetMs === null ? null : durationText(tuning.timeBudgetMs),
      strategy: tuning.strategy,
      initialRandomTrials: tuning.initialRandomTrials,
      warmStartRuns: tuning.warmStartRuns,
      pruning: tuning.pruning,
      space: tuning.space,
    },
    promotion,
    approval: approval === null ? { required: false } : approval && {
      required: true, timeout: durationText(approval.timeoutMs), onTimeout: approval.onTimeout,
    },
    alerts: config.alerts?.map(alertRouteOf),
  };
}

/**
 * A config built in code as the model file that resolves to it. Refuses a config the file does not
 * give back unchanged (a key this module does not write yet), which would otherwise be lost on load.
 */
export function sourceOfConfig(config: ModelConfig): ModelSource {
  const text = JSON.stringify(modelFileOf(config), null, 2);
  const resolved = parseModelConfig(text, `written for model '${config.model}'`);
  const difference = firstDifference(asJson(config), asJson(resolved));
  if (difference !== null) {
    throw new Error(`model '${config.model}': ${difference} does not survive being stored as a model file (see src/stored-config.ts)`);
  }
  return { text, config: resolved };
}

function windowOf(monitoring: NonNullable<StoredModelConfig['monitoring']>): { window?: string; windowRows?: number } {
  const { window, windowMs } = monitoring;
  if (window?.kind === 'rows') return { window: 'auto', windowRows: window.rows };
  return { window: durationText(window?.kind === 'duration' ? window.ms : windowMs) };
}

function alertRouteOf(route: DeepPartial<AlertConfig>) {
  const common = {
    events: route.events, minSeverity: route.minSeverity, timeout: durationText(route.timeoutMs), rateLimit: durationText(route.rateLimitMs),
    allowInsecureHosts: route.allowInsecureHosts, allowPrivateHosts: route.allowPrivateHosts,
  };
  // Resolved routes carry null for what does not apply to their type; the file leaves those out.
  switch (route.type) {
    case 'slack':
      return { type: route.type, url: route.url ?? undefined, urlEnv: route.urlEnv ?? undefined, ...common };
    case 'pagerduty':
      return { type: route.type, url: route.url ?? undefined, routingKeyEnv: route.routingKeyEnv ?? undefined, ...common };
    default:
      return { type: route.type, url: route.url ?? undefined, secretEnv: route.secretEnv ?? undefined, ...common };
  }
}

function durationText(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : duration(ms);
}

/** Configs are plain JSON by design; this also drops keys whose value is undefined, as storing does. */
function asJson(config: ModelConfig): unknown {
  return JSON.parse(JSON.stringify(config));
}

/** The path of the first value that differs, or null. */
function firstDifference(expected: unknown, actual: unknown, path = 'the config'): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return path;
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const difference = firstDifference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`);
    if (difference !== null) return difference;
  }
  return path;
}
