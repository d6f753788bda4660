/**
 * The model registry: versions numbered per model, one champion enforced by a partial unique index,
 * and promotion as a compare-and-set on the champion inside one transaction.
 */
import { createHash } from 'node:crypto';
import type { FeatureReference, ReferenceProfile } from '../drift';
import { float64Bytes } from '../drift/columns';
import type { PerformanceReference } from '../monitoring/performance';
import { CorruptArtifactError } from '../errors';
import { turnedDownBecause, type RollbackTarget } from '../policy/rollback';
import type { ModelArtifact } from '../training';
import type { ArtifactStore } from './artifacts';
import { copyOut } from './copy-out';
import type { DataSplit } from './feature-store';
import { Float64FieldDecoder } from './feature-rows-copy-reader';
import { type Db, withTransaction } from './db';

/**
 * Moves each numeric feature's sorted values out of the profile (they can be megabytes) into
 * reference_values; getReferenceValues puts one back when a drift check needs it.
 */
function detachReferenceValues(profile: ReferenceProfile): { profile: ReferenceProfile; valuesByFeature: Map<string, Buffer> } {
  const valuesByFeature = new Map<string, Buffer>();
  const features: ReferenceProfile['features'] = {};
  for (const [name, reference] of Object.entries(profile.features)) {
    if (reference.kind === 'numeric') {
      valuesByFeature.set(name, float64Bytes(reference.sortedValues));
      features[name] = { ...reference, sortedValues: '' };
    } else {
      features[name] = reference;
    }
  }
  return { profile: { ...profile, features }, valuesByFeature };
}

/** A numeric feature's reference with its sorted values (as a Float64Array), as the drift module expects it. */
export async function withReferenceValues(
  db: Db,
  modelName: string,
  version: number,
  feature: string,
  reference: FeatureReference,
): Promise<FeatureReference> {
  if (reference.kind !== 'numeric') return reference;
  if (!Number.isSafeInteger(version)) throw new Error(`model version ${version} is not an integer`);
  // A binary COPY streamed into the array: a query's bytea arrives as hex text (16 MB for a million values), and even
  // base64 made an 11 MB string per feature that lingered on the heap until a full collection.
  const decoder = new Float64FieldDecoder();
  await copyOut(db, (literal) => `COPY (SELECT sorted_values FROM reference_values
      WHERE model_name = ${literal(modelName)} AND version = ${version} AND feature = ${literal(feature)}) TO STDOUT (FORMAT binary)`,
  decoder);
  const values = decoder.finish();
  // No values, or none stored (a feature with no finite value): the profile's own '' stands, as before.
  return values !== null && values.length > 0 ? { ...reference, sortedValues: values } : reference;
}

/** What a drift check needs of the champion: its version and reference profile, not its weights. */
export async function getChampionReference(db: Db, modelName: string): Promise<{ version: number; referenceProfile: ReferenceProfile } | null> {
  const result = await db.query<{ version: number; reference_profile: ReferenceProfile }>(
    `SELECT version, reference_profile FROM model_versions WHERE model_name = $1 AND status = 'champion'`,
    [modelName],
  );
  const row = result.rows[0];
  return row ? { version: row.version, referenceProfile: row.reference_profile } : null;
}

/** The performance reference learned when the version was evaluated (null before it existed, or when too few chunks fit). */
export async function getVersionPerformanceReference(db: Db, modelName: string, version: number): Promise<PerformanceReference | null> {
  const result = await db.query<{ reference: PerformanceReference | null }>(
    `SELECT metrics->'performanceReference' AS reference FROM model_versions WHERE model_name = $1 AND version = $2`,
    [modelName, version],
  );
  return result.rows[0]?.reference ?? null;
}

export async function getChampionVersion(db: Db, modelName: string): Promise<number | null> {
  const result = await db.query<{ version: number }>(
    `SELECT version FROM model_versions WHERE model_name = $1 AND status = 'champion'`,
    [modelName],
  );
  return result.rows[0]?.version ?? null;
}

export async function getVersionArtifact(db: Db, store: ArtifactStore, modelName: string, version: number): Promise<ModelArtifact> {
  const result = await db.query<{ artifact_uri: string | null; artifact: ModelArtifact | null; artifact_sha256: string }>(
    'SELECT artifact_uri, artifact, artifact_sha256 FROM model_versions WHERE model_name = $1 AND version = $2',
    [modelName, version],
  );
  const row = result.rows[0];
  if (!row) throw new Error(`model '${modelName}' has no version ${version}`);
  if (row.artifact_uri !== null) return store.loadModelVersion(row.artifact_uri, row.artifact_sha256);
  return verifiedLegacyArtifact(modelName, version, row.artifact!, row.artifact_sha256);
}

/** Versions registered before the artifact store kept their artifact in the row, with a sha256 of the weights. */
function verifiedLegacyArtifact(modelName: string, version: number, artifact: ModelArtifact, expected: string): ModelArtifact {
  const actual = createHash('sha256').update(artifact.weightDataBase64).digest('hex');
  if (actual !== expected) {
    throw new CorruptArtifactError(`artifact of ${modelName} v${version} is corrupted: sha256 ${actual} != recorded ${expected}`);
  }
  return artifact;
}

/**
 * What a retrain registered: its tuned challenger, or the linear baseline fitted on the same rows when
 * that challenger scored below it. A retrain registers at most one version of each kind.
 */
export type CandidateKind = 'tuned' | 'linear_baseline';

export interface CandidateInput {
  modelName: string;
  retrainId: string;
  kind: CandidateKind;
  workflowId: string;
  task: string;
  backend: string;
  hyperparameters: object;
  trainingWindow: DataSplit;
  referenceProfile: ReferenceProfile;
  artifact: ModelArtifact;
}

/** Registers a candidate; a retried call for the same retrain and kind returns the version it created. */
export async function registerCandidate(db: Db, store: ArtifactStore, input: CandidateInput): Promise<number> {
  return withTransaction(db, async (client) => {
    // Locking the model row serialises version numbering per model.
    await client.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [input.modelName]);
    const existing = await client.query<{ version: number }>(
      'SELECT version FROM model_versions WHERE retrain_id = $1 AND candidate_kind = $2',
      [input.retrainId, input.kind],
    );
    if (existing.rows[0]) return existing.rows[0].version;
    const next = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS version FROM model_versions WHERE model_name = $1',
      [input.modelName],
    );
    const version = next.rows[0]!.version;
    // Under the lock no row can name this version yet, so a folder already there is left over from a
    // rolled-back attempt (possibly with other weights): replace it.
    await store.deleteModelVersion(input.modelName, version);
    const saved = await store.saveModelVersion(input.modelName, version, input.artifact);
    const { profile, valuesByFeature } = detachReferenceValues(input.referenceProfile);
    await client.query(
      `INSERT INTO model_versions (model_name, version, status, retrain_id, candidate_kind, task, backend, hyperparameters,
         training_window, reference_profile, artifact_uri, artifact_sha256)
       VALUES ($1, $2, 'candidate', $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        input.modelName, version, input.retrainId, input.kind, input.task, input.backend,
        JSON.stringify(input.hyperparameters), JSON.stringify(input.trainingWindow),
        JSON.stringify(profile), saved.uri, saved.sha256,
      ],
    );
    for (const [feature, values] of valuesByFeature) {
      await client.query(
        'INSERT INTO reference_values (model_name, version, feature, sorted_values) VALUES ($1, $2, $3, $4)',
        [input.modelName, version, feature, values],
      );
    }
    await moveAlias(client, input.modelName, 'challenger', version, { actor: 'retrain', reason: 'trained', workflowId: input.workflowId });
    return version;
  });
}

export async function findVersionOfRetrain(db: Db, retrainId: string, kind: CandidateKind): Promise<{ version: number; backend: string } | null> {
  const result = await db.query<{ version: number; backend: string }>(
    'SELECT version, backend FROM model_versions WHERE retrain_id = $1 AND candidate_kind = $2',
    [retrainId, kind],
  );
  return result.rows[0] ?? null;
}

export async function getVersionTrainingWindow(db: Db, modelName: string, version: number): Promise<DataSplit | null> {
  const result = await db.query<{ training_window: DataSplit }>(
    'SELECT training_window FROM model_versions WHERE model_name = $1 AND version = $2',
    [modelName, version],
  );
  return result.rows[0]?.training_window ?? null;
}

export async function recordVersionMetrics(db: Db, modelName: string, version: number, metrics: object): Promise<void> {
  await db.query('UPDATE model_versions SET metrics = $3 WHERE model_name = $1 AND version = $2', [
    modelName, version, JSON.stringify(metrics),
  ]);
}

export type PromotionOutcome = 'promoted' | 'already_promoted' | 'superseded';

export interface PromotionRequest {
  modelName: string;
  version: number;
  retrainId: string;
  /** The champion the challenger was evaluated against; promotion only happens if it still is. */
  expectedChampion: number | null;
  decision: object;
  workflowId: string;
}

/**
 * Exactly-once promotion under retries and zombie attempts: the model row lock serialises
 * promotions, the version's own status makes a repeat a no-op, and the compare-and-set on the
 * champion refuses a challenger that was evaluated against a champion that has since changed.
 */
export async function promoteCandidate(db: Db, request: PromotionRequest): Promise<PromotionOutcome> {
  return withTransaction(db, async (client) => {
    await client.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [request.modelName]);
    const candidate = await client.query<{ status: string }>(
      'SELECT status FROM model_versions WHERE model_name = $1 AND version = $2',
      [request.modelName, request.version],
    );
    const status = candidate.rows[0]?.status;
    if (!status) throw new Error(`model '${request.modelName}' has no version ${request.version}`);
    if (status === 'champion' || status === 'archived') return 'already_promoted';
    const champion = await client.query<{ version: number }>(
      `SELECT version FROM model_versions WHERE model_name = $1 AND status = 'champion'`,
      [request.modelName],
    );
    const currentChampion = champion.rows[0]?.version ?? null;
    if (currentChampion !== request.expectedChampion) {
      await client.query(
        `UPDATE model_versions SET status = 'rejected', decision = $3 WHERE model_name = $1 AND version = $2`,
        [request.modelName, request.version, JSON.stringify({
          ...request.decision,
          superseded: `champion changed from v${request.expectedChampion ?? 'none'} to v${currentChampion ?? 'none'} during the retrain`,
        })],
      );
      await appendEvent(client, request.modelName, request.version, 'rejected', request.retrainId, { superseded: true });
      await clearAlias(client, request.modelName, 'challenger', request.version, {
        actor: 'retrain', reason: `superseded: the champion changed to v${currentChampion ?? 'none'}`, workflowId: request.workflowId,
      });
      return 'superseded';
    }
    if (currentChampion !== null) {
      await client.query(
        `UPDATE model_versions SET status = 'archived' WHERE model_name = $1 AND version = $2`,
        [request.modelName, currentChampion],
      );
      await appendEvent(client, request.modelName, currentChampion, 'archived', request.retrainId, { replacedBy: request.version });
    }
    await client.query(
      `UPDATE model_versions SET status = 'champion', promoted_at = now(), decision = $3
       WHERE model_name = $1 AND version = $2`,
      [request.modelName, request.version, JSON.stringify(request.decision)],
    );
    await appendEvent(client, request.modelName, request.version, 'promoted', request.retrainId, { previousChampion: currentChampion });
    await moveAlias(client, request.modelName, 'champion', request.version, { actor: 'retrain', reason: 'promoted', workflowId: request.workflowId });
    await clearAlias(client, request.modelName, 'challenger', request.version, { actor: 'retrain', reason: 'promoted', workflowId: request.workflowId });
    return 'promoted';
  });
}

export async function rejectCandidate(
  db: Db,
  request: { modelName: string; version: number; retrainId: string; decision: object; workflowId: string },
): Promise<void> {
  await withTransaction(db, async (client) => {
    await client.query(
      `UPDATE model_versions SET status = 'rejected', decision = $3
       WHERE model_name = $1 AND version = $2 AND status = 'candidate'`,
      [request.modelName, request.version, JSON.stringify(request.decision)],
    );
    await appendEvent(client, request.modelName, request.version, 'rejected', request.retrainId, request.decision);
    await clearAlias(client, request.modelName, 'challenger', request.version, { actor: 'retrain', reason: 'rejected', workflowId: request.workflowId });
  });
}

/**
 * Withdraws the candidates of a retrain that ended without deciding on them: `cancelled` (no decision
 * was made, so none is recorded as one), off the challenger alias. Runs in the caller's transaction;
 * returns the versions withdrawn.
 */
export async function withdrawCandidates(
  client: Queryable,
  request: { modelName: string; retrainId: string; workflowId: string; reason: string },
): Promise<number[]> {
  await client.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [request.modelName]);
  const withdrawn = await client.query<{ version: number }>(
    `UPDATE model_versions SET status = 'cancelled', decision = $3
     WHERE model_name = $1 AND retrain_id = $2 AND status = 'candidate' RETURNING version`,
    [request.modelName, request.retrainId, JSON.stringify({ promote: false, reasons: [request.reason] })],
  );
  const versions = withdrawn.rows.map((row) => row.version).sort((a, b) => a - b);
  for (const version of versions) {
    await appendEvent(client, request.modelName, version, 'cancelled', request.retrainId, { reason: request.reason });
    await clearAlias(client, request.modelName, 'challenger', version, { actor: 'retrain', reason: request.reason, workflowId: request.workflowId });
  }
  return versions;
}

type Queryable = { query: Db['query'] };

export interface AliasMove {
  actor: string;
  reason: string | null;
  workflowId: string | null;
  /** A forced rollback: why the version it brought back had been turned down. */
  forcedOver?: string | null;
}

/** Points the alias at the version and appends the move to alias_history; pointing it where it already is records nothing. */
async function moveAlias(client: Queryable, modelName: string, alias: string, version: number, move: AliasMove): Promise<void> {
  const current = await client.query<{ version: number }>(
    'SELECT version FROM model_aliases WHERE model_name = $1 AND alias = $2 FOR UPDATE',
    [modelName, alias],
  );
  const from = current.rows[0]?.version ?? null;
  if (from === version) return;
  await client.query(
    `INSERT INTO model_aliases (model_name, alias, version) VALUES ($1, $2, $3)
     ON CONFLICT (model_name, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
    [modelName, alias, version],
  );
  await appendAliasHistory(client, modelName, alias, from, version, move);
}

/** Removes the alias if it points at `version` (a later candidate may have taken it since). */
async function clearAlias(client: Queryable, modelName: string, alias: string, version: number, move: AliasMove): Promise<void> {
  const removed = await client.query(
    'DELETE FROM model_aliases WHERE model_name = $1 AND alias = $2 AND version = $3',
    [modelName, alias, version],
  );
  if ((removed.rowCount ?? 0) > 0) await appendAliasHistory(client, modelName, alias, version, null, move);
}

async function appendAliasHistory(
  client: Queryable, modelName: string, alias: string, from: number | null, to: number | null, move: AliasMove,
): Promise<void> {
  await client.query(
    `INSERT INTO alias_history (model_name, alias, from_version, to_version, actor, reason, workflow_id, forced_over)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [modelName, alias, from, to, move.actor, move.reason, move.workflowId, move.forcedOver ?? null],
  );
}

export interface AliasHistoryEntry {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string | null;
  workflowId: string | null;
  forcedOver: string | null;
  at: string;
}

export async function listAliasHistory(db: Db, modelName: string): Promise<AliasHistoryEntry[]> {
  const result = await db.query<{
    alias: string; from_version: number | null; to_version: number | null; actor: string; reason: string | null;
    workflow_id: string | null; forced_over: string | null; created_at: Date;
  }>(
    'SELECT alias, from_version, to_version, actor, reason, workflow_id, forced_over, created_at FROM alias_history WHERE model_name = $1 ORDER BY id',
    [modelName],
  );
  return result.rows.map((r) => ({
    alias: r.alias, fromVersion: r.from_version, toVersion: r.to_version, actor: r.actor, reason: r.reason,
    workflowId: r.workflow_id, forcedOver: r.forced_over, at: r.created_at.toISOString(),
  }));
}

export interface VersionLineage {
  version: number;
  status: string;
  task: string;
  backend: string;
  hyperparameters: Record<string, unknown>;
  trainingWindow: DataSplit;
  metrics: Record<string, unknown> | null;
  decision: Record<string, unknown> | null;
  artifact: { uri: string | null; sha256: string };
  retrain: { id: string; workflowId: string; trigger: string; requestedBy: string | null; reason: string | null };
  /** The drift report that started the retrain (drift-triggered retrains only). */
  driftReport: { id: number; windowStart: string; windowEnd: string; driftedShare: number; reasons: string[] } | null;
  aliases: string[];
  createdAt: string;
  promotedAt: string | null;
}

/** Where a version came from: its data, the retrain and drift report behind it, its parameters, backend and artifact. */
export async function getVersionLineage(db: Db, modelName: string, version: number): Promise<VersionLineage | null> {
  const result = await db.query<{
    version: number; status: string; task: string; backend: string; hyperparameters: Record<string, unknown>;
    training_window: DataSplit; metrics: Record<string, unknown> | null; decision: Record<string, unknown> | null;
    artifact_uri: string | null; artifact_sha256: string; retrain_id: string; workflow_id: string; trigger: string;
    requested_by: string | null; reason: string | null; report_id: number | null; window_start: Date | null; window_end: Date | null;
    drifted_share: number | null; report_reasons: string[] | null; aliases: string[]; created_at: Date; promoted_at: Date | null;
  }>(
    `SELECT v.version, v.status, v.task, v.backend, v.hyperparameters, v.training_window, v.metrics, v.decision,
            v.artifact_uri, v.artifact_sha256, v.retrain_id, r.workflow_id, r.trigger, r.requested_by, r.reason,
            d.id AS report_id, d.window_start, d.window_end, d.drifted_share, d.reasons AS report_reasons,
            coalesce(array(SELECT a.alias FROM model_aliases a WHERE a.model_name = v.model_name AND a.version = v.version ORDER BY a.alias), '{}') AS aliases,
            v.created_at, v.promoted_at
     FROM model_versions v JOIN retrains r ON r.id = v.retrain_id LEFT JOIN drift_reports d ON d.id = r.drift_report_id
     WHERE v.model_name = $1 AND v.version = $2`,
    [modelName, version],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    version: row.version, status: row.status, task: row.task, backend: row.backend, hyperparameters: row.hyperparameters,
    trainingWindow: row.training_window, metrics: row.metrics, decision: row.decision,
    artifact: { uri: row.artifact_uri, sha256: row.artifact_sha256 },
    retrain: { id: row.retrain_id, workflowId: row.workflow_id, trigger: row.trigger, requestedBy: row.requested_by, reason: row.reason },
    driftReport: row.report_id === null ? null : {
      id: row.report_id, windowStart: row.window_start!.toISOString(), windowEnd: row.window_end!.toISOString(),
      driftedShare: row.drifted_share!, reasons: row.report_reasons ?? [],
    },
    aliases: row.aliases, createdAt: row.created_at.toISOString(), promotedAt: row.promoted_at?.toISOString() ?? null,
  };
}

export async function listAliases(db: Db, modelName: string): Promise<Record<string, number>> {
  const result = await db.query<{ alias: string; version: number }>(
    'SELECT alias, version FROM model_aliases WHERE model_name = $1 ORDER BY alias',
    [modelName],
  );
  return Object.fromEntries(result.rows.map((r) => [r.alias, r.version]));
}

/** Aliases that only the registry's own transitions may move (promotion, rollback, a new candidate). */
export const MANAGED_ALIASES: ReadonlySet<string> = new Set(['champion', 'challenger']);
const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** Points a user-defined alias (say `shadow` or `canary`) at a version, or removes it (version null). */
export async function setUserAlias(
  db: Db,
  request: { modelName: string; alias: string; version: number | null; move: AliasMove },
): Promise<void> {
  if (!ALIAS_PATTERN.test(request.alias)) {
    throw new RangeError(`alias '${request.alias}': expected a lowercase letter, then up to 62 lowercase letters, digits, '_' or '-'`);
  }
  if (MANAGED_ALIASES.has(request.alias)) {
    throw new RangeError(`'${request.alias}' is moved by retrains and rollbacks only ('driftwatch models rollback' moves the champion)`);
  }
  await withTransaction(db, async (client) => {
    await client.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [request.modelName]);
    if (request.version === null) {
      const current = await client.query<{ version: number }>(
        'SELECT version FROM model_aliases WHERE model_name = $1 AND alias = $2', [request.modelName, request.alias],
      );
      const version = current.rows[0]?.version;
      if (version === undefined) throw new RangeError(`model '${request.modelName}' has no alias '${request.alias}'`);
      await clearAlias(client, request.modelName, request.alias, version, request.move);
      return;
    }
    const exists = await client.query('SELECT 1 FROM model_versions WHERE model_name = $1 AND version = $2', [request.modelName, request.version]);
    if (exists.rowCount === 0) throw new RangeError(`model '${request.modelName}' has no version ${request.version}`);
    await moveAlias(client, request.modelName, request.alias, request.version, request.move);
  });
}

export type RollbackResult =
  /** forcedOver: why `to` had been turned down, when the rollback was forced; else null. */
  | { outcome: 'rolled_back'; from: number; to: number; forcedOver: string | null }
  | { outcome: 'already_champion'; to: number };

/**
 * Moves the champion back: to `toVersion`, or by default to the version the champion alias pointed
 * at before its last move. The current champion is archived; a retrain still evaluating against it
 * will find the champion changed and will not promote (see promoteCandidate). The drift reference
 * follows on the next monitor check, which reads the champion's profile. A version that was turned
 * down (src/policy/rollback.ts) comes back only with `force`, and the alias history records why it
 * had been turned down.
 */
export async function rollbackChampion(
  db: Db,
  request: { modelName: string; toVersion: number | null; move: AliasMove; force: boolean },
): Promise<RollbackResult> {
  return withTransaction(db, async (client) => {
    await client.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [request.modelName]);
    const current = await client.query<{ version: number }>(
      `SELECT version FROM model_aliases WHERE model_name = $1 AND alias = 'champion'`,
      [request.modelName],
    );
    const from = current.rows[0]?.version;
    if (from === undefined) throw new RollbackError(`model '${request.modelName}' has no champion to roll back`);
    const to = request.toVersion ?? (await previousChampion(client, request.modelName, from));
    if (to === from) return { outcome: 'already_champion', to };
    const target = await client.query<RollbackTarget>(
      'SELECT status, decision FROM model_versions WHERE model_name = $1 AND version = $2',
      [request.modelName, to],
    );
    const version = target.rows[0];
    if (version === undefined) throw new RollbackError(`model '${request.modelName}' has no version ${to}`);
    if (version.status === 'candidate') throw new RollbackError(`v${to} of '${request.modelName}' is still a candidate under evaluation`);
    const turnedDown = turnedDownBecause(version);
    if (turnedDown !== null && !request.force) {
      throw new RollbackError(`v${to} of '${request.modelName}' ${turnedDown}; a rollback to it must be forced, with a reason `
        + `('driftwatch models rollback ${request.modelName} --to ${to} --force --reason TEXT', or force: true and a reason in the workflow input)`);
    }
    await client.query(`UPDATE model_versions SET status = 'archived' WHERE model_name = $1 AND version = $2`, [request.modelName, from]);
    await client.query(
      `UPDATE model_versions SET status = 'champion', promoted_at = now() WHERE model_name = $1 AND version = $2`,
      [request.modelName, to],
    );
    await moveAlias(client, request.modelName, 'champion', to, { ...request.move, forcedOver: turnedDown });
    return { outcome: 'rolled_back', from, to, forcedOver: turnedDown };
  });
}

async function previousChampion(client: Queryable, modelName: string, current: number): Promise<number> {
  const result = await client.query<{ from_version: number }>(
    `SELECT from_version FROM alias_history
     WHERE model_name = $1 AND alias = 'champion' AND to_version = $2 AND from_version IS NOT NULL
     ORDER BY id DESC LIMIT 1`,
    [modelName, current],
  );
  const previous = result.rows[0]?.from_version;
  if (previous === undefined) throw new RollbackError(`'${modelName}' v${current} has no earlier champion to roll back to; give a version`);
  return previous;
}

/** A rollback that cannot be done as asked: retrying will not help. */
export class RollbackError extends Error {
  override name = 'RollbackError';
}

async function appendEvent(
  client: { query: Db['query'] },
  modelName: string,
  version: number,
  event: 'promoted' | 'archived' | 'rejected' | 'cancelled',
  retrainId: string,
  detail: object,
): Promise<void> {
  await client.query(
    `INSERT INTO model_events (model_name, version, event, retrain_id, detail) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (retrain_id, event, version) DO NOTHING`,
    [modelName, version, event, retrainId, JSON.stringify(detail)],
  );
}

export interface VersionSummary {
  version: number;
  status: string;
  backend: string;
  metrics: Record<string, unknown> | null;
  decision: Record<string, unknown> | null;
  hyperparameters: Record<string, unknown>;
  createdAt: string;
  promotedAt: string | null;
}

export async function listVersions(db: Db, modelName: string): Promise<VersionSummary[]> {
  const result = await db.query<{
    version: number; status: string; backend: string; metrics: Record<string, unknown> | null;
    decision: Record<string, unknown> | null; hyperparameters: Record<string, unknown>; created_at: Date; promoted_at: Date | null;
  }>(
    `SELECT version, status, backend, metrics, decision, hyperparameters, created_at, promoted_at
     FROM model_versions WHERE model_name = $1 ORDER BY version`,
    [modelName],
  );
  return result.rows.map((r) => ({
    version: r.version, status: r.status, backend: r.backend, metrics: r.metrics, decision: r.decision,
    hyperparameters: r.hyperparameters, createdAt: r.created_at.toISOString(), promotedAt: r.promoted_at?.toISOString() ?? null,
  }));
}
