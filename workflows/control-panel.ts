/**
 * What the Temporal UI shows of the monitor and retrain workflows, for a person on call: the memo
 * (the summary on the workflow's page), the search attributes (the workflow list's filters) and the
 * current details (markdown: the drift table, the stage, and what to do next with the exact update
 * input to paste). Pure and deterministic: the workflows call these and hand the results to the SDK.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { formatScore } from '../src/number-format';
import type { BlindEpisode, DriftIncident } from '../src/policy/drift-incidents';
import { describeRearming, retrainNotBefore, type RetrainBackoff } from '../src/policy/retrain-backoff';
import {
  INCIDENT_SEARCH_ATTRIBUTE,
  LAST_CHECK_SEARCH_ATTRIBUTE,
  MODEL_SEARCH_ATTRIBUTE,
  VERDICT_SEARCH_ATTRIBUTE,
  retrainWorkflowId,
  scheduleId,
  type DriftCheckResult,
  type DriftSummary,
  type FeatureDriftSummary,
  type IncidentState,
  type RetrainInput,
  type RetrainProgress,
} from './definitions';

/** Features named in a memo: enough to see the pattern, short enough to read at a glance. */
export const MEMO_FEATURES = 5;
/** Rows of the drift table in a monitor's current details; the report's page has every feature. */
export const DETAILS_FEATURES = 20;

/** The update inputs the details tell a person to paste; the placeholders say what to fill in. */
export const CHECK_NOW_INPUT = { source: 'ui' };
export const FORCE_RETRAIN_INPUT = { requestedBy: 'your-name', reason: 'why' };
export const approvalInput = (version: number | null) => ({ version, approver: 'your-name', reason: 'why' });

/** What the monitor knows when it shows itself. */
export interface MonitorView {
  modelName: string;
  /** The latest check that judged rows (outcome 'checked'): later checks that found no new rows keep its verdict. */
  judged: DriftCheckResult | null;
  /** The latest check of any outcome. */
  lastCheck: DriftCheckResult | null;
  incident: DriftIncident | null;
  blindness: BlindEpisode;
  backoff: RetrainBackoff | null;
  /** The workflow ID of the retrain this monitor started and awaits, if any. */
  retrainRunning: string | null;
}

/** What made a check drift: the features' share, the champion's performance, or both. */
export function driftCause(check: Pick<DriftCheckResult, 'datasetDrift' | 'driftedShare' | 'performance'>): string {
  const causes: string[] = [];
  if (check.datasetDrift) causes.push(`${Math.round(check.driftedShare * 100)}% of the measured features`);
  const performance = check.performance;
  if (performance?.status === 'degraded') {
    causes.push(`the champion's ${performance.degraded.map((what) => (what === 'loss' ? performance.metric : what)).join(' and ')} degraded`);
  }
  return causes.join('; ');
}

export function summariseDrift(check: Omit<DriftCheckResult, 'retrain'>, features = MEMO_FEATURES): DriftSummary {
  return {
    reportId: check.reportId,
    reportUrl: check.reportUrl ?? null,
    checkedAt: check.checkedAt,
    verdict: check.verdict,
    cause: check.verdict === 'drift' ? driftCause(check) : '',
    features: mostTelling(check.features, features).map(describeFeature),
  };
}

/** Drifted features first, then by PSI (the one score every feature has on one scale), in the check's order otherwise. */
function mostTelling(features: readonly FeatureDriftSummary[], count: number): FeatureDriftSummary[] {
  return features
    .map((feature, index) => ({ feature, index }))
    .sort((a, b) => Number(b.feature.drifted) - Number(a.feature.drifted) || (b.feature.psi ?? -1) - (a.feature.psi ?? -1) || a.index - b.index)
    .slice(0, count)
    .map(({ feature }) => feature);
}

/** "x1: ks p-value 1.00e-3 < 0.05 (drifted)": the score against its threshold, on the side that decides. */
export function describeFeature(feature: FeatureDriftSummary): string {
  const { score } = feature;
  if (score === null) return `${feature.feature}: ${feature.test} not tested (${feature.status})`;
  const effect = feature.effectSize != null && feature.effectSizeFloor != null
    ? `, effect size ${formatScore(feature.effectSize)} ${feature.effectSize >= feature.effectSizeFloor ? '≥' : '<'} floor ${formatScore(feature.effectSizeFloor)}`
    : '';
  return `${feature.feature}: ${feature.test} ${scoreAgainstThreshold(feature, score)}${effect} (${feature.drifted ? 'drifted' : feature.status})`;
}

function scoreAgainstThreshold(feature: FeatureDriftSummary, score: number): string {
  const { threshold } = feature;
  if (feature.scoreKind === 'p_value') return `p-value ${formatScore(score)} ${score < threshold ? '<' : '≥'} ${formatScore(threshold)}`;
  return `distance ${formatScore(score)} ${score > threshold ? '>' : '≤'} ${formatScore(threshold)}`;
}

/** Four significant digits; tiny p-values in scientific notation, so 3e-9 never reads as 0.0000. */
export function incidentState(view: Pick<MonitorView, 'incident' | 'retrainRunning'>): IncidentState {
  const { incident } = view;
  if (!incident) return 'none';
  if (view.retrainRunning) return 'retraining';
  if (incident.retrains.askedPerson) return 'asked_person';
  if (incident.retrains.rejected.length > 0) return 'backing_off';
  return 'open';
}

export function monitorSearchAttributes(view: MonitorView): SearchAttributeUpdatePair[] {
  const pairs: SearchAttributeUpdatePair[] = [
    { key: MODEL_SEARCH_ATTRIBUTE, value: view.modelName },
    { key: INCIDENT_SEARCH_ATTRIBUTE, value: incidentState(view) },
  ];
  if (view.judged?.verdict) pairs.push({ key: VERDICT_SEARCH_ATTRIBUTE, value: view.judged.verdict });
  if (view.lastCheck) pairs.push({ key: LAST_CHECK_SEARCH_ATTRIBUTE, value: new Date(view.lastCheck.checkedAt) });
  return pairs;
}

/** The monitor's memo: the verdict, the features that matter with their scores, the report's page, the incident and what to do. */
export function monitorMemo(view: MonitorView): Record<string, unknown> {
  const judged = view.judged;
  const summary = judged ? summariseDrift(judged) : null;
  return {
    model: view.modelName,
    lastCheck: judged ? describeCheck(judged, view.blindness) : null,
    verdict: judged?.verdict ?? null,
    features: summary?.features ?? [],
    reportUrl: summary?.reportUrl ?? null,
    incident: describeIncident(view),
    next: nextSteps(view).map((step) => step.text).join(' '),
  };
}

/** One line: when, which report and window, the verdict (never a blind "no drift"), and the retrain. */
function describeCheck(check: DriftCheckResult, blindness: BlindEpisode): string {
  const verdict = check.verdict === 'not_measured'
    ? `NOT MEASURED (${Math.round(check.measuredShare * 100)}% of the features tested; ${blindness.notMeasuredChecks} such checks in a row)`
    : check.verdict === 'drift' ? `drift (${driftCause(check)})` : 'no drift';
  return `${check.checkedAt}, drift report #${check.reportId}, window ${check.window?.start} → ${check.window?.end}: ${verdict}; `
    + `retrain ${check.retrain.started ? 'started' : `not started: ${check.retrain.reason}`}`;
}

function describeIncident(view: MonitorView): string {
  const { incident } = view;
  if (!incident) return 'none';
  const { rejected } = incident.retrains;
  const opened = `open since ${incident.openedAt} (drift reports #${incident.firstReportId}–#${incident.lastReportId}, `
    + `${incident.driftedChecks} drifted check${incident.driftedChecks === 1 ? '' : 's'}, champion v${incident.championVersion})`;
  const state = incidentState(view);
  if (state === 'retraining') return `${opened}; retrain ${view.retrainRunning} running`;
  if (state === 'open') return `${opened}; the next drifted check may retrain`;
  const until = view.backoff ? retrainNotBefore(view.backoff, incident.retrains) : null;
  return `${opened}; ${rejected.length} challenger${rejected.length === 1 ? '' : 's'} did not help: automatic retrains back off`
    + `${until ? ` until ${until} (data time)` : ''}${state === 'asked_person' ? '; a person was asked (retraining_not_helping)' : ''}`;
}

interface Step {
  text: string;
  /** The update to send, and its input. */
  update?: { name: string; input: object };
}

/** What a person can do now, most useful first. */
function nextSteps(view: MonitorView): Step[] {
  const { modelName, judged, lastCheck, incident } = view;
  const checkNow: Step = { text: 'Run a drift check now: update checkDrift.', update: { name: 'checkDrift', input: CHECK_NOW_INPUT } };
  const retrainNow = (why: string): Step => ({ text: `${why}: update forceRetrain.`, update: { name: 'forceRetrain', input: FORCE_RETRAIN_INPUT } });
  if (view.retrainRunning) {
    return [{ text: `Follow ${view.retrainRunning}: its current details show the stage, and say when it awaits approval (query retrainProgress for everything).` }];
  }
  if (!lastCheck) return [{ ...checkNow, text: `No check yet: run one with the update checkDrift, or Trigger on the schedule ${scheduleId(modelName)}.` }];
  if (lastCheck.outcome === 'no_champion' || lastCheck.outcome === 'no_data') {
    return [{ text: `Nothing to check: ${lastCheck.reasons.join('; ')}.` }, checkNow];
  }
  const state = incidentState(view);
  if (judged?.verdict === 'not_measured') {
    return [{ text: `The monitor cannot measure drift, so it would miss it: ${judged.reasons.join('; ')}. Fix the window or the data, then check again.` }, checkNow];
  }
  if (incident && state !== 'open') {
    const last = incident.retrains.rejected.at(-1)!;
    const rearming = view.backoff ? ` Automatic retrains are ${describeRearming(view.backoff, last, judged?.labelledRows ?? last.labelledRows)}.` : '';
    const intro = state === 'asked_person'
      ? `Retraining is not helping (${incident.retrains.rejected.length} challengers in a row rejected): look at the drift report and the challengers' retrains before retrying; a rollback or a config change may be what helps.`
      : `The last challenger did not help: ${last.reason}.`;
    return [{ text: `${intro}${rearming}` }, retrainNow('To retrain now anyway (re-arms the back-off)'), checkNow];
  }
  if (incident) {
    const retrain = lastCheck.retrain;
    const said = retrain.started ? `The last check started ${retrain.workflowId}.` : `The last check did not retrain: ${retrain.reason}.`;
    return [{ text: `Drift is open. ${said}` }, retrainNow('To retrain now'), checkNow];
  }
  return [{ text: `Nothing to do: ${judged?.verdict === 'drift' ? 'drift was seen, but no incident is open' : 'no drift'}.` }, checkNow];
}

/** The monitor's current details: the last check's drift table, the incident, and what to do with the exact input. */
export function monitorDetails(view: MonitorView): string {
  const { modelName, judged, lastCheck } = view;
  const lines: string[] = [];
  if (judged) {
    const verdict = judged.verdict === 'drift' ? `DRIFT (${driftCause(judged)})` : judged.verdict === 'not_measured' ? 'NOT MEASURED' : 'no drift';
    lines.push(`## ${modelName}: ${verdict}`, '');
    lines.push(`Drift report ${reportLink(judged.reportId, judged.reportUrl ?? null)}, checked ${judged.checkedAt}: window ${judged.window?.start} → `
      + `${judged.window?.end} (${judged.window?.rows} rows) against champion v${judged.championVersion}.`);
    if (lastCheck !== judged && lastCheck) lines.push(`Last check ${lastCheck.checkedAt}: ${lastCheck.outcome}: ${lastCheck.reasons.join('; ')}.`);
    lines.push('', `Why: ${judged.reasons.join('; ')}.`, '', ...driftTable(judged));
  } else {
    lines.push(`## ${modelName}: not checked yet`);
    if (lastCheck) lines.push('', `Last check ${lastCheck.checkedAt}: ${lastCheck.outcome}: ${lastCheck.reasons.join('; ')}.`);
  }
  lines.push('', `**Incident**: ${describeIncident(view)}.`);
  if (view.blindness.blind) lines.push('', `**Blind** since ${view.blindness.since}: ${view.blindness.notMeasuredChecks} checks in a row could not measure drift.`);
  lines.push('', '**What you can do**', '', ...nextSteps(view).map(describeStep));
  return lines.join('\n');
}

function driftTable(check: DriftCheckResult): string[] {
  const shown = mostTelling(check.features, DETAILS_FEATURES);
  const rows = shown.map((f) => `| ${cell(f.feature)} | ${f.test} | ${f.score === null ? '–' : `${f.scoreKind === 'p_value' ? 'p ' : ''}${formatScore(f.score)}`} `
    + `| ${f.scoreKind === 'p_value' ? '<' : '>'} ${formatScore(f.threshold)} (${f.thresholdSource}) | ${f.drifted ? '**drifted**' : f.status} |`);
  const counts = check.featureCounts;
  const total = counts?.total ?? check.features.length;
  const drifted = counts?.drifted ?? check.features.filter((f) => f.drifted).length;
  return [
    '| Feature | Test | Score | Drifts when | Status |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${shown.length} of ${total} features shown, ${drifted} drifted${shown.length < total ? '; the report has every feature' : ''}.`,
  ];
}

function describeStep(step: Step): string {
  if (!step.update) return `- ${step.text}`;
  return `- ${step.text} Input: \`${JSON.stringify(step.update.input)}\``;
}

function reportLink(reportId: number | null, reportUrl: string | null): string {
  return reportUrl ? `[#${reportId}](${reportUrl})` : `#${reportId}`;
}

/** A markdown table cell: a pipe in a feature name would end it. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

/** A retrain's memo at its start: why it runs, the drift behind it and the report's page. */
export function retrainMemo(input: RetrainInput): Record<string, unknown> {
  const { drift } = input;
  return {
    model: input.modelName,
    trigger: input.trigger ?? 'manual',
    requestedBy: input.requestedBy ?? null,
    reason: input.reason ?? null,
    drift: drift ? describeDriftBehind(drift) : null,
    features: drift?.features ?? [],
    reportUrl: drift?.reportUrl ?? null,
  };
}

function describeDriftBehind(drift: DriftSummary): string {
  const verdict = drift.verdict === 'drift' ? `drift: ${drift.cause}` : (drift.verdict ?? 'not judged');
  return `drift report #${drift.reportId} (${drift.checkedAt}): ${verdict}`;
}

/** A retrain's current details: the stage, the trials and best loss, and while awaiting approval the exact update input. */
export function retrainDetails(progress: RetrainProgress): string {
  const { modelName, drift } = progress;
  const lines = [`## Retrain of ${modelName}: ${progress.stage}`, ''];
  lines.push(`Trigger: ${progress.trigger}. Champion: ${progress.championVersion === null ? 'none' : `v${progress.championVersion}`}.`);
  if (drift) {
    lines.push('', `Drift behind it: ${describeDriftBehind(drift)}${drift.reportUrl ? ` ([report](${drift.reportUrl}))` : ''}.`);
    for (const feature of drift.features) lines.push(`- ${feature}`);
  }
  if (progress.trialsTotal > 0) {
    const extra = [progress.trialsFailed > 0 && `${progress.trialsFailed} failed`, progress.trialsPruned > 0 && `${progress.trialsPruned} pruned`].filter(Boolean);
    lines.push('', `Tuning: ${progress.trialsDone}/${progress.trialsTotal} trials done${extra.length ? ` (${extra.join(', ')})` : ''}, `
      + `best validation loss ${progress.bestScore === null ? 'none yet' : formatScore(progress.bestScore)}`
      + `${progress.tuningStoppedBy ? `; stopped by the ${progress.tuningStoppedBy.replace('_', ' ')}` : ''}.`);
  }
  if (progress.challengerVersion !== null) lines.push('', `Challenger: v${progress.challengerVersion}${progress.backend ? ` (${progress.backend})` : ''}.`);
  if (progress.fallback) lines.push('', `Linear baseline instead of the tuned v${progress.fallback.from}: ${progress.fallback.reason}.`);
  if (progress.decision) lines.push('', `Decision: ${progress.decision.promote ? 'promote' : 'reject'}: ${progress.decision.reasons.join('; ')}.`);
  if (progress.approval) {
    const input = approvalInput(progress.challengerVersion);
    lines.push('', `**Awaiting approval** until ${progress.approval.deadline} (then: ${progress.approval.onTimeout}).`, '');
    lines.push(`- Approve: update \`approve\` with input \`${JSON.stringify(input)}\``);
    lines.push(`- Reject: update \`reject\` with input \`${JSON.stringify(input)}\``);
    lines.push(`- From a terminal: \`driftwatch approve ${modelName} --version ${progress.challengerVersion} --by your-name\` (or \`reject\`)`);
  }
  if (progress.outcome) lines.push('', `**Outcome: ${progress.outcome}**${progress.message ? `: ${progress.message}` : ''}.`);
  else if (progress.message) lines.push('', `**${progress.stage}**: ${progress.message}.`);
  else lines.push('', `To stop it: Cancel this workflow (${retrainWorkflowId(modelName)}); it releases its claim and withdraws its candidates.`);
  return lines.join('\n');
}
