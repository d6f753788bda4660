/**
 * Model configuration: parses a YAML (or JSON) model file into a fully resolved ModelConfig.
 * The result is plain JSON with every default filled in, so it can be stored as JSONB and passed
 * through Temporal unchanged; everything downstream reads the resolved form, never the file.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { isHostPattern } from './alerts/address-policy';
import { configuredUrlProblem } from './alerts/url-policy';
import { DEFAULT_DRIFT_OPTIONS } from './drift/options';
import { DEFAULT_REFERENCE_CHUNKS, DEFAULT_REFERENCE_SAMPLE_LIMIT } from './drift/reference-profile';
import { DRIFT_TESTS, DRIFT_TEST_NAMES } from './drift/registry';
import type { DriftOptions, FeatureDriftTest, FeatureKind } from './drift/types';
import { METRICS_BY_TASK, type MetricName, type Task } from './metrics';
import {
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_CONFIDENCE,
  DEFAULT_GUARDRAIL_REFERENCE_ROWS,
  DEFAULT_MIN_HOLDOUT_ROWS,
  type GuardrailRule,
  type PromotionRule,
} from './policy/promotion';
import { DEFAULT_MIN_MEASURED_SHARE } from './policy/dataset-drift';
import { DEFAULT_BASELINE_TOLERANCE } from './policy/quality-gate';
import { SearchSpaceError, validateSearchSpace, type SearchSpace } from './tuning';

export const ALERT_EVENTS = [
  'drift_detected', 'retrain_failed', 'retrain_cancelled', 'model_promoted', 'model_rejected', 'approval_required', 'monitor_blind',
  'retraining_not_helping',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
export const ALERT_SINK_TYPES = ['webhook', 'slack', 'pagerduty'] as const;
export type AlertSinkType = (typeof ALERT_SINK_TYPES)[number];
/** Ordered from least to most severe; `minSeverity` keeps this one and the ones after it. */
export const ALERT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** Paging is for things someone must act on; promotions and rejections go to chat and webhooks by default. */
export const DEFAULT_PAGERDUTY_EVENTS: readonly AlertEvent[] = ['drift_detected', 'retrain_failed'];
export const DEFAULT_ALERT_TIMEOUT_MS = 10_000;
/** Below the delivery activity's 30 s start-to-close timeout, so one hanging sink cannot time out the whole attempt. */
export const MAX_ALERT_TIMEOUT_MS = 25_000;

export interface FeatureConfig {
  name: string;
  kind: FeatureKind;
  /** threshold null: the test's default, or a learned one (drift.thresholds). */
  drift: { test: FeatureDriftTest; threshold: number | null };
}

/**
 * How windows are compared and how the reference is profiled: everything but minRows and the window's
 * size, which are under monitoring (the check passes them on as DriftOptions.minRows and monitoringWindow).
 */
export interface DriftSettings extends Omit<DriftOptions, 'minRows' | 'monitoringWindow'> {
  referenceSampleLimit: number;
  referenceChunks: number;
}

export const REFERENCE_MODES = ['auto', 'training', 'seasonal', 'rolling'] as const;
export type ReferenceMode = (typeof REFERENCE_MODES)[number];

/**
 * What a window is compared with. training: the champion's training window (its stored profile);
 * seasonal: the same calendar span one period earlier; rolling: the span of the same length just before
 * the window (periodMs does not apply to it); auto: seasonal when the champion's training window let it
 * learn year-over-year thresholds (one period plus a window of rows), training otherwise.
 */
export interface ReferenceSettings { mode: ReferenceMode; periodMs: number }

/**
 * One alert route. Secrets are named, never given: `secretEnv` and `routingKeyEnv` hold the name of
 * an environment variable that the delivery activity reads when it sends, so the value is in
 * neither the stored config nor any workflow history.
 */
export interface AlertConfig {
  type: AlertSinkType;
  /**
   * webhook, slack: where to POST; pagerduty: the Events API v2 endpoint (default PAGERDUTY_EVENTS_URL).
   * null for a Slack route whose URL (itself a credential) is read from `urlEnv` at send time.
   */
  url: string | null;
  /** slack: the variable holding the incoming-webhook URL, instead of `url`. */
  urlEnv: string | null;
  /** drift_detected also subscribes to the drift_resolved that closes the incident. */
  events: AlertEvent[];
  minSeverity: AlertSeverity;
  /** webhook: the variable holding the HMAC-SHA256 key for X-Driftwatch-Signature; null: unsigned. */
  secretEnv: string | null;
  /** pagerduty: the variable holding the integration's routing key. */
  routingKeyEnv: string | null;
  /** One HTTP request gives up after this long (a hanging receiver). */
  timeoutMs: number;
  /** At most one notification of an event kind per model to this route within this interval; 0: no limit. */
  rateLimitMs: number;
  /** Hosts this route may reach over plain http (the URL's host: a name, an address or a CIDR range). */
  allowInsecureHosts: string[];
  /**
   * Host names, addresses or CIDR ranges this route may reach although they are loopback,
   * link-local, private or unspecified addresses, or the cloud metadata service (by address only).
   */
  allowPrivateHosts: string[];
}

export interface ModelConfig {
  model: string;
  task: Task;
  eventTime: string;
  label: string;
  features: FeatureConfig[];
  monitoring: {
    window: MonitoringWindow;
    minRows: number;
    schedule: { every?: string; cron?: string };
    /** Consecutive checks with the verdict not_measured before a monitor_blind alert. */
    blindAlertAfter: number;
    /** Below this share of the features' weight tested, a check's verdict is not_measured (never "no drift"). */
    minMeasuredShare: number;
  };
  drift: DriftSettings;
  reference: ReferenceSettings;
  /** Realized-performance monitoring on labelled window rows (src/monitoring/performance.ts); null: off. */
  performance: { k: number; calibration: boolean } | null;
  /** weights: per feature name; features not named weigh 1. */
  driftRule: { minDriftedShare: number; anyPsiAtLeast: number | null; weights: Record<string, number> };
  retrain: {
    cooldownMs: number;
    trainingWindowMs: number;
    holdoutFraction: number;
    minTrainingRows: number;
    seed: number;
    /** A training activity that has not heartbeaten (once per epoch) for this long is retried, from its last checkpoint. */
    heartbeatTimeoutMs: number;
    /** How the early-stopping validation rows are drawn from the training rows. */
    validation: 'stratified' | 'recent';
    /** Early stopping never stops before this many epochs. */
    minEpochs: number;
    classWeights: 'auto' | 'balanced' | 'none';
    /** null: every drifted check outside the cooldown may retrain. */
    backoff: RetrainBackoff | null;
  };
  /**
   * A challenger must beat the baselines fitted on the same rows; null disables the gate. linearFallback:
   * a tuned challenger below the linear baseline (or failing the gate) gives way to the linear baseline,
   * which is registered and evaluated in its place.
   */
  qualityGate: { baselineTolerance: number; linearFallback: boolean } | null;
  tuning: TuningConfig;
  promotion: PromotionConfig;
  /** A challenger the rule would promote waits for a person's `approve` or `reject` (null: automatic promotion). */
  approval: { timeoutMs: number; onTimeout: 'reject' | 'promote' } | null;
  alerts: AlertConfig[];
}

/**
 * The latest window a check compares: the newest `rows` rows (the default, whatever the data's
 * cadence), or a span of event time ending at the newest row.
 */
export type MonitoringWindow = { kind: 'rows'; rows: number } | { kind: 'duration'; ms: number };

/**
 * Retrains while a drift incident stays open and challengers keep losing: each rejection (or
 * quality-gate failure) pushes the next drift-triggered retrain back, in the data's event time, by
 * initial · multiplier^(rejections − 1) up to maxMs (never below initial); after
 * askAfterRejections rejections the monitor asks a person once (retraining_not_helping) and goes
 * on retrying at that pace.
 */
export interface RetrainBackoff {
  /** 'window': the event time the rejected retrain's check window spanned (one window of new rows). */
  initialMs: number | 'window';
  multiplier: number;
  maxMs: number;
  askAfterRejections: number;
  /** This many labelled rows arriving after the last rejected retrain re-arm automatic retrains. */
  rearmLabelledRows: number;
}

export interface TuningConfig {
  /** Trial budget; tuning also stops starting trials once timeBudgetMs has passed (null: no time limit). */
  trials: number;
  parallelism: number;
  timeBudgetMs: number | null;
  strategy: 'bayesian' | 'random';
  /** Scored trials (warm-start ones included) before the Gaussian process takes over from random search. */
  initialRandomTrials: number;
  /** Best configurations of up to this many earlier tuning runs of the model are tried first (0: cold start). */
  warmStartRuns: number;
  /** Median rule on intermediate validation losses; null: trials always run to the end. */
  pruning: { warmupEpochs: number; minCompletedTrials: number } | null;
  space: SearchSpace;
}

/** The promotion rule with every default filled in; see PromotionRule in ./policy/promotion. */
export interface PromotionConfig extends Required<Omit<PromotionRule, 'guardrail'>> {
  guardrail: Required<GuardrailRule> | null;
}

export interface ConfigIssue {
  /** Where in the file, e.g. "features[2].drift.threshold"; '' for the document as a whole. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    const lines = issues.map((issue) => `  - ${issue.path || '(document)'}: ${issue.message}`);
    super(`invalid model config ${source}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A model file as its owner wrote it (YAML or JSON) and the config it resolves to; registration stores the text. */
export interface ModelSource { text: string; config: ModelConfig }

export async function readModelSource(path: string): Promise<ModelSource> {
  const text = await readFile(path, 'utf8');
  return { text, config: parseModelConfig(text, path) };
}

export async function loadModelConfig(path: string): Promise<ModelConfig> {
  return (await readModelSource(path)).config;
}

export function parseModelConfig(text: string, source: string): ModelConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${error.message}` };
      }),
    );
  }
  return resolveModelFile(document.toJS(), source);
}

/** Validates a model file already read into plain data and fills in every default, as parseModelConfig does for text. */
export function resolveModelFile(file: unknown, source: string): ModelConfig {
  // reportInput keeps the offending value on each issue so messages can say what was found.
  const parsed = modelFileSchema.safeParse(file, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.flatMap(toConfigIssues));
  const issues: ConfigIssue[] = [];
  const config = resolveModelConfig(parsed.data, issues);
  if (issues.length > 0) throw new ConfigError(source, issues);
  return config;
}

const MS_PER_DURATION_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_PATTERN = /^(\d+)(ms|[smhdw])$/;
const DURATION_FORMAT = `duration such as '500ms', '90s', '15m', '12h', '30d' or '2w'`;

/** Parses '500ms', '90s', '15m', '12h', '30d' or '2w' into milliseconds; throws a ConfigError naming `path`. */
export function parseDuration(text: string, path: string): number {
  const ms = durationToMs(text);
  if (ms === undefined) {
    throw new ConfigError('<inline>', [{ path, message: `expected a ${DURATION_FORMAT}, got ${describeValue(text)}` }]);
  }
  return ms;
}

function durationToMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const unit = match[2] as keyof typeof MS_PER_DURATION_UNIT;
  return Number(match[1]) * MS_PER_DURATION_UNIT[unit];
}

// ---------------------------------------------------------------------------------------------
// The file's shape. Objects are strict so that a misspelt key is an error instead of a silently
// ignored setting. Nested objects use prefault({}) rather than default({}): a prefault is parsed
// like user input, so the defaults of their own fields (and duration conversion) still apply.
// ---------------------------------------------------------------------------------------------

// The model name goes into Temporal workflow IDs, so it keeps to a small, unambiguous alphabet.
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const TASKS = ['binary_classification', 'multiclass_classification', 'regression'] as const satisfies readonly Task[];
// Multi-class defaults to log loss: one-vs-rest ROC AUC is undefined whenever the holdout lacks a class.
const DEFAULT_METRIC: Readonly<Record<Task, MetricName>> = {
  binary_classification: 'log_loss',
  multiclass_classification: 'log_loss',
  regression: 'rmse',
};
/**
 * The primary metric is a proper scoring rule; ranking and thresholded metrics guard against a
 * challenger that wins on log loss by flattening its predictions (tolerances in the metric's units).
 */
const DEFAULT_SECONDARY_METRICS: Readonly<Record<Task, ReadonlyArray<{ metric: MetricName; tolerance: number }>>> = {
  binary_classification: [{ metric: 'roc_auc', tolerance: 0.02 }, { metric: 'f1', tolerance: 0.05 }],
  multiclass_classification: [{ metric: 'roc_auc', tolerance: 0.02 }, { metric: 'f1', tolerance: 0.05 }],
  regression: [],
};
const DEFAULT_PARALLELISM = 2;
// The MLP hyperparameters the trainer reads; anything else in a search space would be silently ignored.
const HYPERPARAMETERS = ['learningRate', 'hiddenUnits', 'hiddenLayers', 'dropout', 'l2', 'batchSize', 'epochs'];
// hiddenLayers from 0: a network without hidden layers is a logistic (linear) regression, so tuning
// can settle on a model as simple as the quality gate's baseline when the data is near-linear.
const DEFAULT_SEARCH_SPACE: Readonly<SearchSpace> = {
  learningRate: { type: 'float', min: 0.0005, max: 0.05, log: true },
  hiddenUnits: { type: 'int', min: 8, max: 64, log: true },
  hiddenLayers: { type: 'int', min: 0, max: 3 },
  dropout: { type: 'float', min: 0, max: 0.3 },
  l2: { type: 'float', min: 0.000001, max: 0.01, log: true },
};

/** A duration string resolved to milliseconds; a cooldown may be zero, a window or interval may not. */
function durationMs({ allowZero }: { allowZero: boolean }) {
  return z.string().transform((text, context) => {
    const ms = durationToMs(text);
    if (ms === undefined || (ms === 0 && !allowZero)) {
      const expected = allowZero ? `a ${DURATION_FORMAT}` : `a non-zero ${DURATION_FORMAT}`;
      context.addIssue({ code: 'custom', message: `expected ${expected}, got ${describeValue(text)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** 'window' (one check window of event time), or a non-zero duration in milliseconds. */
const windowOrDurationMs = z.string().transform((text, context): number | 'window' => {
  if (text === 'window') return text;
  const ms = durationToMs(text);
  if (ms === undefined || ms === 0) {
    context.addIssue({ code: 'custom', message: `expected 'window' or a non-zero ${DURATION_FORMAT}, got ${describeValue(text)}` });
    return z.NEVER;
  }
  return ms;
});

/** Kept as text because Temporal schedules take the interval as given. */
const scheduleInterval = z.string().refine((text) => (durationToMs(text) ?? 0) > 0, {
  error: (issue) => `expected a non-zero ${DURATION_FORMAT}, got ${describeValue(issue.input)}`,
});

const cronExpression = z.string().check((context) => {
  const problem = cronProblem(context.value);
  if (problem !== undefined) {
    const found = describeValue(context.value);
    context.issues.push({
      code: 'custom',
      input: context.value,
      message: `expected a cron expression with 5 fields (minute hour day-of-month month day-of-week), got ${found}: ${problem}`,
    });
  }
});

const httpUrl = z.string().refine(isHttpUrl, {
  error: (issue) => `expected an http(s) URL, got ${describeValue(issue.input)}`,
});

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: (issue) => `expected the name of an environment variable, got ${describeValue(issue.input)}` });

const hostAllowlist = z.array(z.string().refine(isHostPattern, {
  error: (issue) => `expected a host name, an IP address or a CIDR range (10.0.0.0/8), got ${describeValue(issue.input)}`,
})).default(() => []);

const alertRouteCommon = {
  events: z.array(z.enum(ALERT_EVENTS)).min(1).optional(),
  minSeverity: z.enum(ALERT_SEVERITIES).default('info'),
  timeout: durationMs({ allowZero: false }).prefault('10s').refine((ms) => ms <= MAX_ALERT_TIMEOUT_MS, {
    error: `expected at most ${MAX_ALERT_TIMEOUT_MS / 1000}s (the delivery activity's own timeout is 30s)`,
  }),
  rateLimit: durationMs({ allowZero: true }).prefault('0s'),
  allowInsecureHosts: hostAllowlist,
  allowPrivateHosts: hostAllowlist,
};

const alertRouteSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), url: httpUrl, secretEnv: envVarName.optional(), ...alertRouteCommon }),
  z
    .strictObject({ type: z.literal('slack'), url: httpUrl.optional(), urlEnv: envVarName.optional(), ...alertRouteCommon })
    .refine((route) => (route.url === undefined) !== (route.urlEnv === undefined), {
      error: 'give either url or urlEnv (the name of the environment variable holding the Slack webhook URL)',
    }),
  z.strictObject({ type: z.literal('pagerduty'), url: httpUrl.default(PAGERDUTY_EVENTS_URL), routingKeyEnv: envVarName, ...alertRouteCommon }),
]);

// Feature names become object keys (a row's features, profiles, weights): a name every object already
// has ('__proto__', 'constructor', 'toString') would be read or written as that member, and '__proto__'
// vanished from stored rows without a word. Control characters would be invisible in reports and alerts.
const INHERITED_MEMBER_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const featureName = z
  .string()
  .min(1)
  .refine((name) => !INHERITED_MEMBER_NAMES.has(name), {
    error: (issue) => `${describeValue(issue.input)} cannot be a feature name: every JavaScript object has a member of that name; rename the column`,
  })
  .refine((name) => !CONTROL_CHARACTER.test(name), {
    error: (issue) => `${describeValue(issue.input)} cannot be a feature name: it contains a control character`,
  });

const featureSchema = z.strictObject({
  name: featureName,
  kind: z.enum(['numeric', 'categorical']),
  drift: z
    .strictObject({ test: z.enum([...DRIFT_TEST_NAMES, 'auto']).optional(), threshold: z.number().nullable().optional() })
    .optional(),
});

// Structure and unknown keys only; validateSearchSpace in ./tuning owns the semantic checks (bounds, log scales).
const parameterSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('float'), min: z.number(), max: z.number(), log: z.boolean().optional() }),
  z.strictObject({ type: z.literal('int'), min: z.number(), max: z.number(), log: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('categorical'),
    choices: z.array(z.union([z.string(), z.number(), z.boolean()])),
  }),
]);

const metricName = z.enum([...METRICS_BY_TASK.binary_classification, ...METRICS_BY_TASK.regression]);

export const modelFileSchema = z.strictObject({
  model: z.string().regex(MODEL_NAME_PATTERN, {
    error: (issue) =>
      `expected 1-63 lowercase letters, digits, '_' or '-' starting with a letter or digit, got ${describeValue(issue.input)}`,
  }),
  task: z.enum(TASKS),
  eventTime: z.string().min(1).default('event_time'),
  label: z.string().min(1),
  features: z.array(featureSchema).min(1),
  monitoring: z
    .strictObject({
      window: z.union([z.literal('auto'), durationMs({ allowZero: false })]).default('auto'),
      windowRows: z.int().min(1).optional(),
      minRows: z.int().min(1).default(30),
      blindAlertAfter: z.int().min(1).default(3),
      minMeasuredShare: z.number().gt(0).max(1).default(DEFAULT_MIN_MEASURED_SHARE),
      schedule: z
        .strictObject({ every: scheduleInterval.optional(), cron: cronExpression.optional() })
        .refine((schedule) => (schedule.every === undefined) !== (schedule.cron === undefined), {
          error: "expected exactly one of 'every' or 'cron'",
        })
        .default(() => ({ every: '1h' })),
    })
    .prefault({}),
  drift: z
    .strictObject({
      binning: z
        .strictObject({
          strategy: z.enum(['quantile', 'equal_width', 'evidently']).default(DEFAULT_DRIFT_OPTIONS.binning.strategy),
          bins: z.int().min(2).max(1000).default(DEFAULT_DRIFT_OPTIONS.binning.bins),
        })
        .prefault({}),
      // A number: empty bins get that share (then renormalise); 'evidently': its rule; 'none': PSI may be infinite.
      smoothing: z.union([z.number().gt(0).lt(1), z.enum(['evidently', 'none'])]).default(1e-4),
      ksMethod: z.enum(['auto', 'exact', 'asymp']).default('auto'),
      // Learned by default (NannyML's mean + 3·std over window-sized reference chunks): on seasonal data a
      // constant threshold alarms on every season the window does not share with the whole reference.
      thresholds: z
        .discriminatedUnion('strategy', [
          z.strictObject({ strategy: z.literal('constant') }),
          z.strictObject({ strategy: z.literal('reference_chunks'), k: z.number().gt(0).default(3) }),
        ])
        .default({ strategy: 'reference_chunks', k: 3 }),
      correction: z.enum(['none', 'bonferroni', 'benjamini_hochberg']).default('none'),
      nullRateShift: z.number().gt(0).max(1).nullable().default(0.1),
      outOfRangeShare: z.number().gt(0).max(1).nullable().default(DEFAULT_DRIFT_OPTIONS.outOfRangeShare),
      // p-value tests drift only with p below their level AND an effect size (KS D; chi-square: total variation
      // distance) at least this large, so that a huge window alone does not alarm; 0 disables. See DRIFT_TESTS.
      effectSizeFloor: z
        .strictObject({
          ks: z.number().min(0).lt(1).default(DEFAULT_DRIFT_OPTIONS.effectSizeFloor.ks),
          chi_square: z.number().min(0).lt(1).default(DEFAULT_DRIFT_OPTIONS.effectSizeFloor.chi_square),
        })
        .prefault({}),
      referenceSampleLimit: z.int().min(100).default(DEFAULT_REFERENCE_SAMPLE_LIMIT),
      // Equal-count chunks, only for profiles built without the monitoring window's size.
      referenceChunks: z.int().min(0).max(100).default(DEFAULT_REFERENCE_CHUNKS),
      rule: z
        .strictObject({
          // Evidently's default: half the features. With 0.3, one feature of three decided alone.
          driftedShare: z.number().gt(0).max(1).default(0.5),
          // Off by default: one feature's PSI on a seasonal window would decide alone.
          anyPsiAtLeast: z.number().gt(0).nullable().default(null),
          weights: z.record(z.string(), z.number().min(0)).default(() => ({})),
        })
        .prefault({}),
    })
    .prefault({}),
  // What each window is compared with: the champion's training window; the same calendar span one period
  // earlier; or the span just before the window (rolling, which ignores period).
  reference: z
    .strictObject({
      mode: z.enum(REFERENCE_MODES).default('auto'),
      period: durationMs({ allowZero: false }).prefault('365d'),
    })
    .prefault({}),
  // Realized performance: the champion's loss (and, for binary classification, its calibration) on the
  // window's labelled rows against mean ± k·std over window-sized chunks of its own rows. null disables it.
  performance: z
    .strictObject({
      k: z.number().gt(0).default(3),
      calibration: z.boolean().default(true),
    })
    .nullable()
    .prefault({}),
  retrain: z
    .strictObject({
      cooldown: durationMs({ allowZero: true }).prefault('1d'),
      trainingWindow: durationMs({ allowZero: false }).prefault('365d'),
      holdoutFraction: z.number().min(0.05).max(0.5).default(0.2),
      minTrainingRows: z.int().min(1).default(200),
      seed: z.int().min(0).default(42),
      heartbeatTimeout: durationMs({ allowZero: false }).prefault('1m'),
      validation: z.enum(['stratified', 'recent']).default('stratified'),
      minEpochs: z.int().min(1).default(10),
      classWeights: z.enum(['auto', 'balanced', 'none']).default('auto'),
      backoff: z
        .strictObject({
          initial: windowOrDurationMs.default('window'),
          multiplier: z.number().min(1).max(10).default(2),
          max: durationMs({ allowZero: false }).prefault('90d'),
          askAfterRejections: z.int().min(1).default(3),
          rearmLabelledRows: z.int().min(1).default(DEFAULT_MIN_HOLDOUT_ROWS),
        })
        .nullable()
        .prefault({}),
    })
    .prefault({}),
  qualityGate: z
    .strictObject({
      baselineTolerance: z.number().min(0).max(1).default(DEFAULT_BASELINE_TOLERANCE),
      linearFallback: z.boolean().default(true),
    })
    .nullable()
    .prefault({}),
  tuning: z
    .strictObject({
      trials: z.int().min(1).default(6),
      parallelism: z.int().min(1).optional(),
      timeBudget: durationMs({ allowZero: false }).nullable().default(null),
      strategy: z.enum(['bayesian', 'random']).default('bayesian'),
      initialRandomTrials: z.int().min(2).optional(),
      warmStartRuns: z.int().min(0).default(3),
      pruning: z
        .strictObject({
          warmupEpochs: z.int().min(0).default(5),
          minCompletedTrials: z.int().min(1).default(3),
        })
        .nullable()
        .prefault({}),
      space: z.record(z.string(), parameterSpecSchema).default(() => structuredClone(DEFAULT_SEARCH_SPACE)),
    })
    .prefault({}),
  promotion: z
    .strictObject({
      metric: metricName.optional(),
      minImprovement: z.number().min(0).default(0),
      requireConfidentImprovement: z.boolean().default(true),
      minHoldoutRows: z.int().min(1).default(DEFAULT_MIN_HOLDOUT_ROWS),
      secondary: z.array(z.strictObject({ metric: metricName, tolerance: z.number().min(0) })).optional(),
      confidence: z.number().min(0.5).max(0.999).default(DEFAULT_CONFIDENCE),
      // The cap keeps a typo from turning the evaluation activity into an hour of resampling.
      bootstrapResamples: z.int().min(100).max(100_000).default(DEFAULT_BOOTSTRAP_RESAMPLES),
      guardrail: z
        .strictObject({
          metric: metricName.optional(),
          tolerance: z.number().min(0),
          referenceRows: z.int().min(1).default(DEFAULT_GUARDRAIL_REFERENCE_ROWS),
        })
        .nullable()
        .default(null),
    })
    .prefault({}),
  approval: z
    .strictObject({
      required: z.boolean().default(false),
      timeout: durationMs({ allowZero: false }).prefault('7d'),
      onTimeout: z.enum(['reject', 'promote']).default('reject'),
    })
    .prefault({}),
  alerts: z.array(alertRouteSchema).default(() => []),
});

type ModelFile = z.output<typeof modelFileSchema>;
/** A model file as written: keys left out take their defaults. */
export type ModelFileInput = z.input<typeof modelFileSchema>;

/** Checks that span several keys, then the rename from file keys to the resolved ModelConfig. */
function resolveModelConfig(file: ModelFile, issues: ConfigIssue[]): ModelConfig {
  if (file.label === file.eventTime) {
    issues.push({ path: 'label', message: `'${file.label}' is also the event time column` });
  }
  const features = file.features.map((feature, index) => resolveFeature(file, feature, index, issues));
  for (const name of Object.keys(file.drift.rule.weights)) {
    if (!file.features.some((feature) => feature.name === name)) {
      issues.push({ path: `drift.rule.weights.${name}`, message: `'${name}' is not a feature of this model` });
    }
  }

  const promotion = resolvePromotion(file, issues);

  const { trials, space } = file.tuning;
  const parallelism = file.tuning.parallelism ?? Math.min(DEFAULT_PARALLELISM, trials);
  if (parallelism > trials) {
    issues.push({
      path: 'tuning.parallelism',
      message: `expected at most trials (${trials}), got ${parallelism}: extra workers would have no trial to run`,
    });
  }
  issues.push(...searchSpaceIssues(space));

  return {
    model: file.model,
    task: file.task,
    eventTime: file.eventTime,
    label: file.label,
    features,
    monitoring: {
      window: resolveWindow(file, issues),
      minRows: file.monitoring.minRows,
      schedule: file.monitoring.schedule,
      blindAlertAfter: file.monitoring.blindAlertAfter,
      minMeasuredShare: file.monitoring.minMeasuredShare,
    },
    drift: {
      binning: file.drift.binning,
      smoothing: typeof file.drift.smoothing === 'number'
        ? { kind: 'constant', epsilon: file.drift.smoothing }
        : { kind: file.drift.smoothing },
      ksMethod: file.drift.ksMethod,
      thresholds: file.drift.thresholds,
      correction: file.drift.correction,
      nullRateShift: file.drift.nullRateShift,
      outOfRangeShare: file.drift.outOfRangeShare,
      effectSizeFloor: file.drift.effectSizeFloor,
      referenceSampleLimit: file.drift.referenceSampleLimit,
      referenceChunks: file.drift.referenceChunks,
    },
    reference: { mode: file.reference.mode, periodMs: file.reference.period },
    performance: file.performance,
    driftRule: {
      minDriftedShare: file.drift.rule.driftedShare,
      anyPsiAtLeast: file.drift.rule.anyPsiAtLeast,
      weights: file.drift.rule.weights,
    },
    retrain: {
      cooldownMs: file.retrain.cooldown,
      trainingWindowMs: file.retrain.trainingWindow,
      holdoutFraction: file.retrain.holdoutFraction,
      minTrainingRows: file.retrain.minTrainingRows,
      seed: file.retrain.seed,
      heartbeatTimeoutMs: file.retrain.heartbeatTimeout,
      validation: file.retrain.validation,
      minEpochs: file.retrain.minEpochs,
      classWeights: file.retrain.classWeights,
      backoff: file.retrain.backoff === null ? null : {
        initialMs: file.retrain.backoff.initial,
        multiplier: file.retrain.backoff.multiplier,
        maxMs: file.retrain.backoff.max,
        askAfterRejections: file.retrain.backoff.askAfterRejections,
        rearmLabelledRows: file.retrain.backoff.rearmLabelledRows,
      },
    },
    qualityGate: file.qualityGate,
    tuning: {
      trials,
      parallelism,
      timeBudgetMs: file.tuning.timeBudget,
      strategy: file.tuning.strategy,
      initialRandomTrials: file.tuning.initialRandomTrials ?? defaultInitialRandomTrials(trials),
      warmStartRuns: file.tuning.warmStartRuns,
      pruning: file.tuning.pruning,
      space,
    },
    promotion,
    approval: file.approval.required ? { timeoutMs: file.approval.timeout, onTimeout: file.approval.onTimeout } : null,
    alerts: file.alerts.map((route, index) => resolveAlertRoute(route, index, issues)),
  };
}

/**
 * 'auto' is a row-count window, so it holds the same number of rows whether the data arrives daily,
 * hourly or per event; a duration window must hold minRows at the data's cadence (checked at
 * registration and ingest, see src/monitoring/cadence.ts).
 */
function resolveWindow(file: ModelFile, issues: ConfigIssue[]): MonitoringWindow {
  const { window, windowRows } = file.monitoring;
  if (window !== 'auto') {
    if (windowRows !== undefined) issues.push({ path: 'monitoring.windowRows', message: "only applies to window: auto; remove it or set window: auto" });
    return { kind: 'duration', ms: window };
  }
  const rows = windowRows ?? defaultWindowRows(file.monitoring.minRows);
  if (rows < file.monitoring.minRows) {
    issues.push({ path: 'monitoring.windowRows', message: `expected at least monitoring.minRows (${file.monitoring.minRows}), got ${rows}: every check would be not_measured` });
  }
  return { kind: 'rows', rows };
}

/** Three times minRows: enough for the tests' power on moderate shifts while a window stays recent. */
export function defaultWindowRows(minRows: number): number {
  return minRows * DEFAULT_WINDOW_ROWS_PER_MIN_ROW;
}
const DEFAULT_WINDOW_ROWS_PER_MIN_ROW = 3;

function resolveAlertRoute(route: ModelFile['alerts'][number], index: number, issues: ConfigIssue[]): AlertConfig {
  const path = `alerts[${index}]`;
  const problem = route.url === undefined ? null : configuredUrlProblem(new URL(route.url), route, path);
  if (problem !== null) issues.push({ path: `${path}.url`, message: problem });
  return {
    type: route.type,
    url: route.url ?? null,
    urlEnv: route.type === 'slack' ? route.urlEnv ?? null : null,
    events: route.events ?? [...(route.type === 'pagerduty' ? DEFAULT_PAGERDUTY_EVENTS : ALERT_EVENTS)],
    minSeverity: route.minSeverity,
    secretEnv: route.type === 'webhook' ? route.secretEnv ?? null : null,
    routingKeyEnv: route.type === 'pagerduty' ? route.routingKeyEnv : null,
    timeoutMs: route.timeout,
    rateLimitMs: route.rateLimit,
    allowInsecureHosts: route.allowInsecureHosts,
    allowPrivateHosts: route.allowPrivateHosts,
  };
}

/**
 * Optuna and scikit-optimize start Bayesian optimisation after 10 random trials; small budgets
 * would then never reach the model, so they spend about a third of the budget on random search.
 */
function defaultInitialRandomTrials(trials: number): number {
  return Math.max(2, Math.min(10, Math.ceil(trials / 3)));
}

function resolvePromotion(file: ModelFile, issues: ConfigIssue[]): PromotionConfig {
  const taskMetrics = METRICS_BY_TASK[file.task];
  const checkApplies = (metric: MetricName, path: string) => {
    if (!taskMetrics.includes(metric)) {
      issues.push({ path, message: `metric '${metric}' does not apply to task '${file.task}'; expected one of ${taskMetrics.join(', ')}` });
    }
  };
  const { minImprovement, requireConfidentImprovement, confidence, bootstrapResamples, guardrail, minHoldoutRows } = file.promotion;
  const metric = file.promotion.metric ?? DEFAULT_METRIC[file.task];
  checkApplies(metric, 'promotion.metric');
  if (guardrail?.metric !== undefined) checkApplies(guardrail.metric, 'promotion.guardrail.metric');
  const secondary = file.promotion.secondary ?? DEFAULT_SECONDARY_METRICS[file.task];
  secondary.forEach((entry, index) => checkApplies(entry.metric, `promotion.secondary[${index}].metric`));
  return {
    metric,
    minImprovement,
    requireConfidentImprovement,
    confidence,
    bootstrapResamples,
    minHoldoutRows,
    secondary,
    guardrail: guardrail === null ? null : { metric: guardrail.metric ?? metric, tolerance: guardrail.tolerance, referenceRows: guardrail.referenceRows },
  };
}

function resolveFeature(
  file: ModelFile,
  feature: ModelFile['features'][number],
  index: number,
  issues: ConfigIssue[],
): FeatureConfig {
  const path = `features[${index}]`;
  const firstIndex = file.features.findIndex((other) => other.name === feature.name);
  if (firstIndex !== index) {
    issues.push({
      path: `${path}.name`,
      message: `duplicate feature name '${feature.name}' (also features[${firstIndex}])`,
    });
  }
  for (const [column, role] of [
    [file.label, 'label'],
    [file.eventTime, 'event time'],
  ] as const) {
    if (feature.name === column) {
      issues.push({ path: `${path}.name`, message: `'${column}' is the ${role} column and cannot also be a feature` });
    }
  }

  const test = feature.drift?.test ?? 'auto';
  const threshold = feature.drift?.threshold ?? null;
  if (test === 'auto') {
    // 'auto' may pick a p-value test or a distance, so a threshold could not mean one thing.
    if (threshold !== null) {
      issues.push({ path: `${path}.drift.threshold`, message: `a threshold needs an explicit drift.test (one of ${DRIFT_TEST_NAMES.join(', ')})` });
    }
    return { name: feature.name, kind: feature.kind, drift: { test, threshold } };
  }
  const descriptor = DRIFT_TESTS[test];
  if (!descriptor.kinds.includes(feature.kind)) {
    const applicable = DRIFT_TEST_NAMES.filter((name) => DRIFT_TESTS[name].kinds.includes(feature.kind));
    issues.push({
      path: `${path}.drift.test`,
      message: `the ${test} test does not apply to ${feature.kind} feature '${feature.name}'; use one of ${applicable.join(', ')} or auto`,
    });
  }
  // A p-value threshold is a significance level; a distance threshold only needs to be positive.
  const thresholdValid =
    threshold === null || (descriptor.scoreKind === 'p_value' ? threshold > 0 && threshold < 1 : threshold > 0);
  if (!thresholdValid) {
    const expected = descriptor.scoreKind === 'p_value' ? 'between 0 and 1 (exclusive)' : 'greater than 0';
    issues.push({
      path: `${path}.drift.threshold`,
      message: `expected a ${test} threshold ${expected}, got ${threshold}`,
    });
  }
  return { name: feature.name, kind: feature.kind, drift: { test, threshold } };
}

function searchSpaceIssues(space: SearchSpace): ConfigIssue[] {
  const unknownParameters = Object.keys(space).filter((parameter) => !HYPERPARAMETERS.includes(parameter));
  if (unknownParameters.length > 0) {
    return unknownParameters.map((parameter) => {
      const suggestion = closestMatch(parameter, HYPERPARAMETERS);
      return {
        path: `tuning.space.${parameter}`,
        message:
          `unknown hyperparameter '${parameter}'` +
          (suggestion === undefined ? '' : `; did you mean '${suggestion}'?`) +
          ` (allowed: ${HYPERPARAMETERS.join(', ')})`,
      };
    });
  }
  try {
    validateSearchSpace(space);
    return [];
  } catch (error) {
    if (error instanceof SearchSpaceError) return [{ path: `tuning.space.${error.parameter}`, message: error.message }];
    throw error;
  }
}

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;
const CRON_ITEM_PATTERN = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/** Numeric cron syntax only: '*', values, ranges, steps and comma lists. Returns what is wrong, if anything. */
function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) return `found ${fields.length} field(s)`;
  for (const [index, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[index]!;
    for (const item of field.split(',')) {
      const match = CRON_ITEM_PATTERN.exec(item);
      if (!match) return `${name} '${item}' is not '*', a number, a range or a step`;
      const [, start, end, step] = match;
      for (const value of [start, end]) {
        if (value !== undefined && (Number(value) < min || Number(value) > max)) {
          return `${name} ${value} is outside ${min}-${max}`;
        }
      }
      if (start !== undefined && end !== undefined && Number(start) > Number(end)) {
        return `${name} range ${start}-${end} runs backwards`;
      }
      if (step !== undefined && Number(step) === 0) return `${name} step must be at least 1`;
    }
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// zod issues -> ConfigIssues. zod's own messages are terse ("Invalid input"); these say what was
// expected and what was found. Messages written in the schema (custom checks, the model name
// pattern) are used as they are.
// ---------------------------------------------------------------------------------------------

type ZodIssue = z.core.$ZodIssue;

function toConfigIssues(issue: ZodIssue): ConfigIssue[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const knownKeys = knownKeysAt(modelFileSchema, issue.path, issue.input);
      return issue.keys.map((key) => ({ path: joinPath(path, key), message: unknownKeyMessage(key, knownKeys) }));
    }
    case 'invalid_type':
      return [{ path, message: expectedButFound(describeExpected(issue.expected), issue.input) }];
    case 'invalid_value':
      return [{ path, message: expectedButFound(listAlternatives(issue.values.map(quote)), issue.input) }];
    case 'too_small':
    case 'too_big':
      return [{ path, message: boundMessage(issue) }];
    case 'invalid_union':
      return [{ path, message: unionMessage(issue) }];
    default:
      return [{ path, message: issue.message }];
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : joinPath(text, String(segment))),
    '',
  );
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function expectedButFound(expected: string, found: unknown): string {
  return found === undefined ? `missing; expected ${expected}` : `expected ${expected}, got ${describeValue(found)}`;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'null':
      return 'null';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  return String(value);
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function listAlternatives(alternatives: string[]): string {
  if (alternatives.length <= 1) return alternatives.join('');
  return `${alternatives.slice(0, -1).join(', ')} or ${alternatives.at(-1)}`;
}

function boundMessage(issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>): string {
  const isMinimum = issue.code === 'too_small';
  const bound = isMinimum ? issue.minimum : issue.maximum;
  if (issue.origin === 'array') {
    const found = Array.isArray(issue.input) ? issue.input.length : 0;
    return `expected ${isMinimum ? 'at least' : 'at most'} ${bound} item(s), got ${found}`;
  }
  if (issue.origin === 'string') {
    return isMinimum && bound === 1
      ? 'expected a non-empty string'
      : `expected ${isMinimum ? 'at least' : 'at most'} ${bound} character(s), got ${describeValue(issue.input)}`;
  }
  const comparison = isMinimum ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `expected a number ${comparison} ${bound}, got ${describeValue(issue.input)}`;
}

function unionMessage(issue: Extract<ZodIssue, { code: 'invalid_union' }>): string {
  // zod puts a discriminator failure at the discriminator's path but reports the whole object as input.
  if (issue.inclusive !== false && issue.discriminator !== undefined && issue.options !== undefined) {
    const found = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
    return expectedButFound(listAlternatives(issue.options.map(quote)), found);
  }
  const alternatives = issue.errors.flatMap((branch) =>
    branch.length === 1 && branch[0]?.code === 'invalid_type' ? [describeExpected(branch[0].expected)] : [],
  );
  return alternatives.length === issue.errors.length
    ? expectedButFound(listAlternatives(alternatives), issue.input)
    : `does not match any allowed form, got ${describeValue(issue.input)}`;
}

function unknownKeyMessage(key: string, knownKeys: readonly string[]): string {
  const suggestion = closestMatch(key, knownKeys);
  if (suggestion !== undefined) return `unknown key '${key}'; did you mean '${suggestion}'?`;
  return knownKeys.length > 0 ? `unknown key '${key}'; expected one of ${knownKeys.join(', ')}` : `unknown key '${key}'`;
}

/** The keys the schema accepts for the object at `path`; `objectInput` picks the branch of a discriminated union. */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[], objectInput: unknown): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (const segment of path) {
    current = unwrapOptionality(current);
    if (current instanceof z.ZodObject) current = current.shape[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element;
    else if (current instanceof z.ZodRecord) current = current.valueType;
    else return [];
  }
  current = unwrapOptionality(current);
  if (current instanceof z.ZodDiscriminatedUnion) {
    const discriminator = current.def.discriminator;
    const discriminatorValue = isRecord(objectInput) ? objectInput[discriminator] : undefined;
    current = current.options.find(
      (option) =>
        option instanceof z.ZodObject && z.safeParse(option.shape[discriminator] ?? z.never(), discriminatorValue).success,
    );
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrapOptionality(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault
  ) {
    current = current.unwrap();
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The candidate a typo most likely meant: case-insensitive edit distance within a third of the word. */
function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const maxDistance = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= maxDistance ? best : undefined;
}

/** Edit distance counting a swap of two adjacent letters as one edit ('lgo' -> 'log'), as typos usually are. */
function editDistance(a: string, b: string): number {
  const distances = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => distances[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitutionCost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitutionCost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      }
      distances[i]![j] = distance;
    }
  }
  return at(a.length, b.length);
}
