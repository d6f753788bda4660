/**
 * The retrain page: its stages with the times PostgreSQL holds, the tuning curve and every trial,
 * and the decision with its reasons.
 */
import type { StoredTrial } from '../store/trials';
import { intervalSpec, num, renderChart, tuningSpec, type TuningPoint } from './charts';
import { badge, escapeHtml, facts, formatNumber, formatShare, formatTime, link, notStored, page, table, type Tone } from './html';
import { modelPath, reportPath } from './paths';

export interface RetrainRecord {
  id: string;
  workflowId: string;
  modelName: string;
  trigger: string;
  requestedBy: string | null;
  reason: string | null;
  driftReportId: number | null;
  status: string;
  /** The stored plan (RetrainPlan) and result (RetrainResult without its trials): read loosely, older rows lack fields. */
  plan: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  startedAt: string;
  finishedAt: string | null;
  closedReason: string | null;
}

export interface RetrainVersion { version: number; kind: string; status: string; createdAt: string; promotedAt: string | null }

export interface RetrainEvent { event: string; version: number; at: string }

export interface RetrainPageData {
  retrain: RetrainRecord;
  trials: StoredTrial[];
  versions: RetrainVersion[];
  events: RetrainEvent[];
}

export interface Stage { stage: string; at: string | null; until: string | null; detail: string }

/** The stages whose times are stored, in order: the claim, tuning (from its trials), each registered version, registry events and the end. */
export function retrainStages({ retrain, trials, versions, events }: RetrainPageData): Stage[] {
  const stages: Stage[] = [{
    stage: 'claimed', at: retrain.startedAt, until: null,
    detail: `${retrain.trigger} retrain${retrain.requestedBy ? ` requested by ${retrain.requestedBy}` : ''}${retrain.reason ? `: ${retrain.reason}` : ''}`,
  }];
  const split = retrain.plan?.split as { trainingRows?: number; holdoutRows?: number; from?: string; to?: string } | undefined;
  if (split) {
    stages.push({ stage: 'planned', at: null, until: null, detail: `${split.trainingRows ?? '?'} training and ${split.holdoutRows ?? '?'} holdout rows, ${split.from ?? '?'} → ${split.to ?? '?'}` });
  }
  const timed = trials.filter((t) => t.durationMs > 0);
  if (trials.length > 0) {
    const starts = timed.map((t) => Date.parse(t.createdAt) - t.durationMs);
    const ends = trials.map((t) => Date.parse(t.createdAt));
    stages.push({
      stage: 'tuning',
      at: starts.length > 0 ? new Date(Math.min(...starts)).toISOString() : null,
      until: new Date(Math.max(...ends)).toISOString(),
      detail: `${trials.length} trials: ${countBy(trials.map((t) => t.status))}`,
    });
  }
  for (const version of versions) {
    stages.push({ stage: `trained v${version.version}`, at: version.createdAt, until: null, detail: `${version.kind === 'linear_baseline' ? 'linear baseline' : 'tuned challenger'} registered; now ${version.status}` });
  }
  for (const event of events) stages.push({ stage: `${event.event} v${event.version}`, at: event.at, until: null, detail: 'registry event' });
  if (retrain.finishedAt) {
    stages.push({ stage: 'ended', at: retrain.finishedAt, until: null, detail: `${retrain.status}${retrain.closedReason ? `: ${retrain.closedReason}` : ''}` });
  }
  return stages;
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${n} ${value}`).join(', ');
}

/** Trials with a loss, by trial number, with the best loss of the completed trials so far (null before the first). */
export function tuningCurve(trials: readonly StoredTrial[]): TuningPoint[] {
  let best: number | null = null;
  return [...trials].sort((a, b) => a.trialNumber - b.trialNumber).flatMap((t) => {
    if (t.score === null || t.status === 'failed') return [];
    if (t.status === 'completed') best = best === null ? t.score : Math.min(best, t.score);
    return [{ trial: t.trialNumber, loss: t.score, bestSoFar: best, status: t.status }];
  });
}

const STATUS_TONES: Record<string, Tone> = { promoted: 'good', rejected: 'bad', failed_quality_gate: 'bad', failed: 'bad', cancelled: 'none', running: 'warn' };

/** `canonical`: the page's public address, when the service knows it. */
export async function renderRetrainPage(data: RetrainPageData, canonical?: string): Promise<string> {
  const { retrain } = data;
  const title = `Retrain of ${retrain.modelName} (${retrain.status})`;
  const body = `
<h1>${escapeHtml(`Retrain of ${retrain.modelName}`)} ${badge(retrain.status.replaceAll('_', ' '), STATUS_TONES[retrain.status] ?? 'none')}</h1>
${facts([
    ['Model', link(modelPath(retrain.modelName), retrain.modelName)],
    ['Workflow', `${escapeHtml(retrain.workflowId)}, run ${escapeHtml(retrain.id)}`],
    ['Trigger', escapeHtml(retrain.trigger)],
    ['Drift report', retrain.driftReportId === null ? '—' : link(reportPath(retrain.driftReportId), `#${retrain.driftReportId}`)],
    ['Started', formatTime(retrain.startedAt)],
    ['Finished', formatTime(retrain.finishedAt)],
  ])}
<h2>Stages</h2>
${table(['Stage', 'At', 'Until', 'Detail'], retrainStages(data).map((s) => [escapeHtml(s.stage), s.at ? formatTime(s.at) : 'not stored', s.until ? formatTime(s.until) : '—', escapeHtml(s.detail)]))}
${notStored('when planning, evaluation and an approval wait began and ended (they are in the workflow history and its retrainProgress query); the tuning span comes from the trials\' records.')}
<h2>Tuning</h2>
${await tuningSection(data.trials)}
<h2>Decision</h2>
${await decisionSection(retrain)}`;
  return page(title, body, canonical);
}

async function tuningSection(trials: readonly StoredTrial[]): Promise<string> {
  if (trials.length === 0) return '<p class="note">No tuning trial recorded.</p>';
  const curve = tuningCurve(trials);
  const chart = curve.length === 0 ? '<p class="note">No trial has a loss yet.</p>' : await renderChart(tuningSpec(curve), {
    title: 'Tuning curve',
    description: `Validation loss (lower is better) of each of ${curve.length} scored trials (points; pruned trials at the loss they were stopped at) and the best loss of the completed trials so far (line).`,
    dataTable: table(['Trial', 'Loss', 'Best so far', 'Status'], curve.map((p) => [String(p.trial), num(p.loss), num(p.bestSoFar), escapeHtml(p.status)])),
  });
  const rows = [...trials].sort((a, b) => a.trialNumber - b.trialNumber).map((t) => [
    String(t.trialNumber), escapeHtml(t.status), escapeHtml(t.source), num(t.score), t.epochs === null ? '—' : String(t.epochs),
    escapeHtml(`${(t.durationMs / 1000).toFixed(1)} s`), `<code>${escapeHtml(JSON.stringify(t.parameters))}</code>`, escapeHtml(t.error ?? ''),
  ]);
  return `${chart}${table(['Trial', 'Status', 'Source', 'Validation loss', 'Epochs', 'Duration', 'Parameters', 'Error'], rows)}`;
}

interface StoredResult {
  outcome?: string; reason?: string; challengerVersion?: number | null; championVersion?: number | null;
  decision?: {
    promote?: boolean; metric?: string; challengerScore?: number | null; championScore?: number | null; improvement?: number | null; minImprovement?: number;
    bootstrap?: { improvement: number; lower: number; upper: number; confidence: number } | null; reasons?: string[];
    approval?: { status: string; by: string; reason: string | null; at: string };
  } | null;
  metrics?: { challenger: Record<string, number>; champion: Record<string, number> | null } | null;
  qualityGate?: { passed: boolean; reasons: string[] } | null;
  fallback?: { from: number; reason: string } | null;
}

async function decisionSection(retrain: RetrainRecord): Promise<string> {
  const result = retrain.result as StoredResult | null;
  if (!result) {
    return retrain.status === 'running'
      ? '<p class="note">Not decided yet: the retrain is running.</p>'
      : `<p class="note">No decision: the retrain ended ${escapeHtml(retrain.status)}${retrain.closedReason ? `: ${escapeHtml(retrain.closedReason)}` : ''}.</p>`;
  }
  const decision = result.decision ?? null;
  const parts = [facts([
    ['Outcome', escapeHtml(result.outcome ?? retrain.status)],
    ['Challenger', result.challengerVersion === null || result.challengerVersion === undefined ? '—' : `v${result.challengerVersion}`],
    ['Champion it was compared with', result.championVersion === null || result.championVersion === undefined ? 'none' : `v${result.championVersion}`],
    // A decided retrain's reason is its decision's reasons joined, which follow as a list.
    ...(decision?.reasons?.length ? [] : [['Why', escapeHtml(result.reason ?? '—')] as [string, string]]),
    ...(result.fallback ? [['Linear fallback', escapeHtml(`v${result.fallback.from} gave way: ${result.fallback.reason}`)] as [string, string]] : []),
    ...(decision?.approval ? [['Approval', escapeHtml(`${decision.approval.status} by ${decision.approval.by}${decision.approval.reason ? `: ${decision.approval.reason}` : ''}`)] as [string, string]] : []),
  ])];
  if (decision?.reasons?.length) parts.push(`<h3>Reasons</h3><ul>${decision.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`);
  if (decision?.bootstrap && decision.metric) {
    const b = decision.bootstrap;
    parts.push(await renderChart(intervalSpec([{ label: `v${result.challengerVersion ?? '?'}`, improvement: b.improvement, lower: b.lower, upper: b.upper, minImprovement: decision.minImprovement ?? 0 }], decision.metric), {
      title: 'Improvement with its bootstrap interval',
      description: `The challenger's improvement in ${decision.metric} over the champion (${formatNumber(b.improvement)}), its ${formatShare(b.confidence)} paired bootstrap interval `
        + `[${formatNumber(b.lower)}, ${formatNumber(b.upper)}], the required improvement ${formatNumber(decision.minImprovement)} (red tick) and zero (dashed).`,
      dataTable: table(['Improvement', 'Lower', 'Upper', 'Required'], [[num(b.improvement), num(b.lower), num(b.upper), num(decision.minImprovement)]]),
    }));
  }
  if (result.metrics) {
    const names = Object.keys(result.metrics.challenger);
    parts.push(`<h3>Holdout metrics</h3>${table(['Metric', 'Challenger', 'Champion'], names.map((m) => [escapeHtml(m), num(result.metrics!.challenger[m]), num(result.metrics!.champion?.[m])]))}`);
  }
  if (result.qualityGate) {
    parts.push(`<h3>Quality gate ${result.qualityGate.passed ? badge('passed', 'good') : badge('failed', 'bad')}</h3>`
      + (result.qualityGate.reasons.length > 0 ? `<ul>${result.qualityGate.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''));
  }
  return parts.join('\n');
}
