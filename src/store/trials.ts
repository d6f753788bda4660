/**
 * Tuning trials: one row per trial, one row per epoch of validation loss (what the median pruning
 * rule compares), and earlier runs' trials for the next run's warm start.
 */
import type { ParameterValues } from '../tuning';
import type { Db } from './db';

export type TrialStatus = 'completed' | 'failed' | 'pruned';
export type TrialSource = 'proposed' | 'warm_start';

export interface TrialRecord {
  retrainId: string;
  trialNumber: number;
  parameters: ParameterValues;
  status: TrialStatus;
  score: number | null;
  durationMs: number;
  error: string | null;
  backend: string | null;
  epochs: number | null;
  source: TrialSource;
}

/** Upsert: a retried trial activity overwrites the row of its earlier attempt. */
export async function recordTrial(db: Db, trial: TrialRecord): Promise<void> {
  await db.query(
    `INSERT INTO tuning_trials (retrain_id, trial_number, parameters, status, score, duration_ms, error, backend, epochs, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (retrain_id, trial_number) DO UPDATE SET status = EXCLUDED.status, score = EXCLUDED.score,
       duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, backend = EXCLUDED.backend, epochs = EXCLUDED.epochs,
       source = EXCLUDED.source`,
    [trial.retrainId, trial.trialNumber, JSON.stringify(trial.parameters), trial.status, trial.score,
      Math.round(trial.durationMs), trial.error, trial.backend, trial.epochs, trial.source],
  );
}

export async function recordTrialEpoch(db: Db, retrainId: string, trialNumber: number, epoch: number, valLoss: number): Promise<void> {
  await db.query(
    `INSERT INTO trial_epochs (retrain_id, trial_number, epoch, val_loss) VALUES ($1, $2, $3, $4)
     ON CONFLICT (retrain_id, trial_number, epoch) DO UPDATE SET val_loss = EXCLUDED.val_loss`,
    [retrainId, trialNumber, epoch, valLoss],
  );
}

/**
 * What the median rule compares at `epoch`: this trial's best validation loss over epochs 1..epoch
 * (read back from the table, so a trial resumed from a checkpoint keeps its earlier epochs) and the
 * same for every completed trial numbered below `comparedBelow`.
 */
export async function bestLossesUpTo(
  db: Db,
  retrainId: string,
  trialNumber: number,
  epoch: number,
  comparedBelow: number,
): Promise<{ trial: number | null; completedTrials: number[] }> {
  const result = await db.query<{ trial_number: number; best: number; completed: boolean }>(
    `SELECT e.trial_number, min(e.val_loss) AS best, bool_or(t.status = 'completed') AS completed
     FROM trial_epochs e LEFT JOIN tuning_trials t USING (retrain_id, trial_number)
     WHERE e.retrain_id = $1 AND e.epoch <= $3 AND (e.trial_number = $2 OR (t.status = 'completed' AND e.trial_number < $4))
     GROUP BY e.trial_number`,
    [retrainId, trialNumber, epoch, comparedBelow],
  );
  return {
    trial: result.rows.find((row) => row.trial_number === trialNumber)?.best ?? null,
    completedTrials: result.rows.filter((row) => row.trial_number !== trialNumber && row.completed).map((row) => row.best),
  };
}

/**
 * Completed trials of the model's last `runs` tuning runs before this one, one array per run (best
 * first), most recent run first. Scores of different runs are on different data: callers compare
 * them within a run only.
 */
export async function earlierRunTrials(
  db: Db,
  modelName: string,
  currentRetrainId: string,
  runs: number,
): Promise<{ parameters: ParameterValues; score: number }[][]> {
  if (runs === 0) return [];
  const result = await db.query<{ retrain_id: string; parameters: ParameterValues; score: number }>(
    `WITH earlier AS (
       SELECT id, started_at FROM retrains r
       WHERE r.model_name = $1 AND r.id <> $2
         AND EXISTS (SELECT 1 FROM tuning_trials t WHERE t.retrain_id = r.id AND t.status = 'completed')
       ORDER BY r.started_at DESC LIMIT $3
     )
     SELECT t.retrain_id, t.parameters, t.score FROM tuning_trials t JOIN earlier ON earlier.id = t.retrain_id
     WHERE t.status = 'completed' AND t.score IS NOT NULL
     ORDER BY earlier.started_at DESC, t.score, t.trial_number`,
    [modelName, currentRetrainId, runs],
  );
  const byRun = new Map<string, { parameters: ParameterValues; score: number }[]>();
  for (const row of result.rows) {
    const run = byRun.get(row.retrain_id) ?? [];
    run.push({ parameters: row.parameters, score: row.score });
    byRun.set(row.retrain_id, run);
  }
  return [...byRun.values()];
}

export interface StoredTrial extends Omit<TrialRecord, 'parameters'> {
  workflowId: string;
  parameters: ParameterValues;
  createdAt: string;
}

/** Trials of a model's retrains, newest retrain first, or of one retrain (by run ID or workflow run). */
export async function listTrials(db: Db, modelName: string, options: { retrainId?: string; limitRuns?: number } = {}): Promise<StoredTrial[]> {
  const result = await db.query<{
    retrain_id: string; workflow_id: string; trial_number: number; parameters: ParameterValues; status: TrialStatus;
    score: number | null; duration_ms: number; error: string | null; backend: string | null; epochs: number | null;
    source: TrialSource; created_at: Date;
  }>(
    `WITH runs AS (
       SELECT id, workflow_id, started_at FROM retrains
       WHERE model_name = $1 AND ($2::text IS NULL OR id = $2)
       ORDER BY started_at DESC LIMIT $3
     )
     SELECT t.*, runs.workflow_id FROM tuning_trials t JOIN runs ON runs.id = t.retrain_id
     ORDER BY runs.started_at DESC, t.trial_number`,
    [modelName, options.retrainId ?? null, options.limitRuns ?? 1],
  );
  return result.rows.map((row) => ({
    retrainId: row.retrain_id, workflowId: row.workflow_id, trialNumber: row.trial_number, parameters: row.parameters,
    status: row.status, score: row.score, durationMs: row.duration_ms, error: row.error, backend: row.backend,
    epochs: row.epochs, source: row.source, createdAt: row.created_at.toISOString(),
  }));
}
