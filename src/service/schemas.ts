/**
 * The request and response shapes of the HTTP API, as zod schemas: Fastify validates requests and
 * serialises responses with them, and @fastify/swagger publishes them as the OpenAPI document. Path
 * and query parameters are constrained as tightly as the store allows, so a malformed one is a 400.
 * Stored JSON the API hands on as it is (drift test details, metrics, decisions) stays an open object.
 */
import { z } from 'zod';
import { MODEL_NAME_PATTERN } from '../config';
import { ROLES } from './api-keys';

const MAX_LIMIT = 1000;
/** PostgreSQL integer, the type of model versions. */
const MAX_INT4 = 2_147_483_647;

const timestamp = z.string().describe('ISO 8601 time');
/** Stored JSON handed on as it is; typed `object` so that the store's interfaces (no index signatures) fit it. */
const openObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<object>;

export const modelName = z.string().regex(MODEL_NAME_PATTERN).describe('model name, as registered');
export const version = z.coerce.number().int().min(1).max(MAX_INT4);
const limit = z.coerce.number().int().min(1).max(MAX_LIMIT).default(20).describe(`newest first; at most ${MAX_LIMIT}`);

export const modelParams = z.object({ model: modelName });
export const versionParams = z.object({ model: modelName, version });
export const reportParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export const keyParams = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/).describe('the key id `keys list` shows') });
export const limitQuery = z.object({ limit });
export const trialsQuery = z.object({
  retrain: z.string().regex(/^[0-9a-f-]{36}$/).optional().describe("one retrain's run ID (a UUID); default: the latest retrain"),
});

export const errorBody = z.object({
  error: z.object({
    code: z.string().describe('stable, for programs: unauthorized, forbidden, not_found, invalid_request, ...'),
    message: z.string(),
    field: z.string().optional().describe('the request field at fault, when one is'),
  }),
});

export const modelListItem = z.object({ model: z.string(), task: z.string(), features: z.number().int(), champion: z.number().int().nullable() });

export const modelDetail = z.object({
  model: z.string(),
  task: z.string(),
  label: z.string(),
  eventTime: z.string(),
  champion: z.number().int().nullable(),
  aliases: z.record(z.string(), z.number().int()),
  features: z.array(z.object({ name: z.string(), kind: z.string(), test: z.string(), threshold: z.number().nullable() })),
  monitoring: z.object({ schedule: z.string(), minRows: z.number().int() }),
  promotionMetric: z.string(),
  approvalRequired: z.boolean(),
  alerts: z.array(z.object({ target: z.string(), events: z.array(z.string()) })).describe('routes by target, without credentials'),
});

export const versionSummary = z.object({
  version: z.number().int(),
  status: z.string(),
  backend: z.string(),
  metrics: openObject.nullable(),
  decision: openObject.nullable(),
  hyperparameters: openObject,
  createdAt: timestamp,
  promotedAt: timestamp.nullable(),
});

export const versionLineage = z.object({
  version: z.number().int(),
  status: z.string(),
  task: z.string(),
  backend: z.string(),
  hyperparameters: openObject,
  trainingWindow: openObject,
  metrics: openObject.nullable(),
  decision: openObject.nullable(),
  artifact: z.object({ uri: z.string().nullable(), sha256: z.string() }),
  retrain: z.object({ id: z.string(), workflowId: z.string(), trigger: z.string(), requestedBy: z.string().nullable(), reason: z.string().nullable() }),
  driftReport: z.object({
    id: z.number().int(), windowStart: timestamp, windowEnd: timestamp, driftedShare: z.number(), reasons: z.array(z.string()),
  }).nullable(),
  aliases: z.array(z.string()),
  createdAt: timestamp,
  promotedAt: timestamp.nullable(),
});

export const driftReport = z.object({
  id: z.number().int(),
  modelName: z.string(),
  championVersion: z.number().int(),
  createdAt: timestamp,
  windowStart: timestamp,
  windowEnd: timestamp,
  rowCount: z.number().int(),
  lateRows: z.number().int(),
  verdict: z.string().nullable(),
  datasetDrift: z.boolean(),
  driftedShare: z.number(),
  measuredShare: z.number().nullable(),
  reasons: z.array(z.string()),
  features: z.array(openObject).describe('per feature: test, score, threshold and its source, PSI, status'),
  reference: openObject.nullable(),
  performance: openObject.nullable(),
  source: z.string(),
  asOfRowId: z.string().nullable(),
  checkId: z.string().nullable(),
});

export const retrainSummary = z.object({
  id: z.string(),
  workflowId: z.string(),
  trigger: z.string(),
  status: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
  result: openObject.nullable(),
  closedReason: z.string().nullable(),
});

export const trial = z.object({
  retrainId: z.string(),
  workflowId: z.string(),
  trialNumber: z.number().int(),
  parameters: openObject,
  status: z.string(),
  score: z.number().nullable(),
  durationMs: z.number(),
  error: z.string().nullable(),
  backend: z.string().nullable(),
  epochs: z.number().int().nullable(),
  source: z.string(),
  createdAt: timestamp,
});

export const alertDelivery = z.object({
  alertKey: z.string(),
  target: z.string(),
  sink: z.string(),
  event: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  incidentKey: z.string().nullable(),
  updatedAt: timestamp,
});

export const ingestRowsBody = z.array(openObject).describe('rows as objects: event time, label and features by column name');

export const ingestReport = z.object({
  batchId: z.string(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  problems: z.number().int().describe('a rejected row has one per bad field'),
  rejections: z.array(z.object({
    rowNumber: z.number().int(), field: z.string(), reason: z.string(), value: z.string().optional(),
  })).describe('the first problems, in row order; all of them are stored in ingest_rejections'),
  warnings: z.array(z.string()),
});

/** Free text that says something (not only spaces), without NUL, which PostgreSQL text cannot hold. */
const text = (maxLength: number) => z.string().min(1).max(maxLength).regex(/^[^\u0000]*[^\s\u0000][^\u0000]*$/);
const reason = text(1000);

export const driftCheckResult = z.object({
  modelName: z.string(),
  checkedAt: timestamp,
  outcome: z.enum(['no_champion', 'no_data', 'unchanged', 'checked']),
  verdict: z.string().nullable(),
  reportId: z.number().int().nullable().describe('the drift report written, at /api/v1/drift-reports/{id}'),
  championVersion: z.number().int().nullable(),
  window: z.object({ start: timestamp, end: timestamp, rows: z.number().int(), lateRows: z.number().int() }).nullable(),
  datasetDrift: z.boolean(),
  driftedShare: z.number(),
  measuredShare: z.number(),
  labelledRows: z.number().int(),
  features: z.array(openObject).describe('the features that matter most (drifted first); the report holds every one'),
  featureCounts: openObject.optional(),
  driftSignature: z.string().optional(),
  performance: openObject.nullable(),
  reasons: z.array(z.string()),
  retrain: z.object({ started: z.boolean(), workflowId: z.string().nullable(), reason: z.string() }),
});

export const retrainRequest = z.object({ reason: reason.optional() });

export const startedRetrain = z.object({
  workflowId: z.string(),
  runId: z.string(),
  trigger: z.enum(['bootstrap', 'manual']),
  requestedBy: z.string(),
  championVersion: z.number().int().nullable(),
});

export const approvalRequest = z.object({ reason: reason.optional() });
export const approvalAnswer = z.object({ version: z.number().int(), verdict: z.enum(['approved', 'rejected']), by: z.string() });

const rollbackTarget = version.optional().describe('default: the previous champion');
/** Two shapes, so the document itself says that force needs a reason. */
export const rollbackRequest = z.union([
  z.object({ to: rollbackTarget, reason: reason.optional(), force: z.literal(false).optional() }),
  z.object({
    to: rollbackTarget,
    reason: reason.describe('why a version that was turned down should serve; recorded in the alias history'),
    force: z.literal(true).describe('needed to bring back a version that was rejected or failed its evaluation'),
  }),
]);

export const rollbackResult = z.object({
  outcome: z.enum(['rolled_back', 'already_champion']),
  modelName: z.string(),
  from: z.number().int().optional(),
  to: z.number().int(),
  forcedOver: z.string().nullable().optional(),
});

export const configBody = z.union([z.string(), openObject]).describe('the model file: YAML text, or its JSON');
export const registeredConfig = z.object({ model: z.string(), created: z.boolean(), warnings: z.array(z.string()) });

export const keyRequest = z.object({ role: z.enum(ROLES), name: text(200) });
export const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: timestamp,
  createdBy: z.string(),
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});
export const createdKey = apiKey.extend({ key: z.string().describe('shown once: only its hash is stored') });

export const health = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.enum(['ok', 'unavailable']),
  temporal: z.enum(['ok', 'unavailable']),
});
