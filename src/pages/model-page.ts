/**
 * The model page: each feature's score over the last checks against its threshold, the versions
 * with their lineage, each decision with its bootstrap interval, and links to reports and retrains.
 */
import type { StoredDriftReport } from '../store/drift-reports';
import type { VersionLineage } from '../store/registry';
import type { RetrainSummary } from '../store/retrains';
import { intervalSpec, num, renderChart, trendSpec, type IntervalRow, type TrendPoint } from './charts';
import { verdictOf } from './drift-report-page';
import { badge, escapeHtml, facts, formatNumber, formatShare, formatTime, link, notStored, page, table } from './html';
import { reportPath, retrainPath } from './paths';

export interface ModelPageData {
  model: string;
  /** The last checks, newest first. */
  reports: StoredDriftReport[];
  versions: VersionLineage[];
  retrains: RetrainSummary[];
  aliases: Record<string, number>;
}

/** The smallest p-value a trend can show (−log10 = 300): a p-value of 0 is drawn there. */
const SMALLEST_P_VALUE = 1e-300;

/** `canonical`: the page's public address, when the service knows it. */
export async function renderModelPage(data: ModelPageData, canonical?: string): Promise<string> {
  const title = `Model ${data.model}`;
  const body = `
<h1>${escapeHtml(title)}</h1>
${facts([
    ['Champion', data.aliases.champion === undefined ? 'none' : `v${data.aliases.champion}`],
    ['Aliases', escapeHtml(Object.entries(data.aliases).map(([alias, version]) => `${alias} → v${version}`).join(', ') || 'none')],
    ['Latest check', latestCheck(data.reports[0])],
    ['Retrain running', runningRetrain(data.retrains)],
  ])}
${notStored('the open drift incident and the retrain back-off: they are the monitor workflow\'s state (query monitorStatus on monitor-'
    + `${data.model} in the Temporal UI or run 'driftwatch status ${data.model}'), not rows in PostgreSQL.`)}
<h2>Score trend per feature</h2>
${await trendSection(data.reports)}
<h2>Versions and lineage</h2>
${versionTable(data.versions)}
<h2>Decisions</h2>
${await decisionSection(data.versions)}
<h2>Drift reports</h2>
${reportTable(data.reports)}
<h2>Retrains</h2>
${retrainTable(data.retrains)}`;
  return page(title, body, canonical);
}

function latestCheck(report: StoredDriftReport | undefined): string {
  if (!report) return 'no check yet';
  const { word, tone } = verdictOf(report);
  return `${badge(word, tone)} ${link(reportPath(report.id), `report #${report.id}`)}, ${formatTime(report.createdAt)}`;
}

function runningRetrain(retrains: readonly RetrainSummary[]): string {
  const running = retrains.find((r) => r.status === 'running');
  return running ? `${link(retrainPath(running.id), running.workflowId)} since ${formatTime(running.startedAt)} (its stage is in the workflow's retrainProgress query)` : 'none';
}

/** Per feature, the points of the checks that measured it, oldest first; p-values as −log10 p. */
export function scoreTrends(reports: readonly StoredDriftReport[]): Map<string, { pValue: boolean; test: string; points: TrendPoint[] }> {
  const trends = new Map<string, { pValue: boolean; test: string; points: TrendPoint[] }>();
  for (const report of [...reports].reverse()) {
    for (const feature of report.features) {
      if (!feature.measured || feature.score === null) continue;
      const pValue = feature.scoreKind === 'p_value';
      const scale = (value: number) => (pValue ? -Math.log10(Math.max(value, SMALLEST_P_VALUE)) : value);
      const trend = trends.get(feature.feature) ?? { pValue, test: feature.test, points: [] };
      // The newest check's test names the axis.
      Object.assign(trend, { pValue, test: feature.test });
      trend.points.push({ reportId: report.id, at: report.createdAt, score: scale(feature.score), threshold: scale(feature.threshold), drifted: feature.drifted });
      trends.set(feature.feature, trend);
    }
  }
  return trends;
}

async function trendSection(reports: readonly StoredDriftReport[]): Promise<string> {
  const trends = scoreTrends(reports);
  if (trends.size === 0) return '<p class="note">No check has measured a feature yet.</p>';
  const charts = await Promise.all([...trends].map(([feature, trend]) => {
    const axis = trend.pValue ? '−log10 p' : 'distance';
    return renderChart(trendSpec(trend.points, axis), {
      title: `${feature}: ${trend.test} score over the last ${trend.points.length} checks`,
      description: `${feature}: the ${axis} of the ${trend.test} test in each of the last ${trend.points.length} checks that measured it (points; triangles drifted), `
        + `with the threshold as a dashed line; above the line is drift.`,
      dataTable: table(['Report', 'Checked', axis, 'Threshold', 'Drifted'], trend.points.map((p) => [
        link(reportPath(p.reportId), `#${p.reportId}`), formatTime(p.at), num(p.score), num(p.threshold), p.drifted ? 'yes' : 'no',
      ])),
    });
  }));
  return `<p class="note">The last ${reports.length} checks, oldest on the left. P-values are drawn as −log10 p, so that for every test higher means further from the reference.</p>
<div class="charts">${charts.join('\n')}</div>`;
}

function versionTable(versions: readonly VersionLineage[]): string {
  if (versions.length === 0) return '<p class="note">No version yet.</p>';
  return table(['Version', 'Status', 'Aliases', 'Retrain', 'Drift report', 'Training rows', 'Backend', 'Created', 'Promoted'], versions.map((v) => [
    `v${v.version}`, escapeHtml(v.status), escapeHtml(v.aliases.join(', ') || '—'),
    `${link(retrainPath(v.retrain.id), v.retrain.trigger)}${v.retrain.requestedBy ? ` by ${escapeHtml(v.retrain.requestedBy)}` : ''}`,
    v.driftReport ? `${link(reportPath(v.driftReport.id), `#${v.driftReport.id}`)} (${formatShare(v.driftReport.driftedShare)} drifted)` : '—',
    `${v.trainingWindow.trainingRows} + ${v.trainingWindow.holdoutRows} holdout, ${formatTime(v.trainingWindow.from)} → ${formatTime(v.trainingWindow.to)}`,
    escapeHtml(v.backend), formatTime(v.createdAt), formatTime(v.promotedAt),
  ]));
}

/** The stored decision's fields this page reads (see PromotionDecision); older versions may lack some. */
interface StoredDecision {
  promote?: boolean; metric?: string; challengerScore?: number | null; championScore?: number | null; improvement?: number | null;
  minImprovement?: number; reasons?: string[];
  bootstrap?: { improvement: number; lower: number; upper: number; confidence: number } | null;
}

/** Decisions that carry a bootstrap interval, as chart rows, oldest version first. */
export function decisionIntervals(versions: readonly VersionLineage[]): IntervalRow[] {
  return versions.flatMap((v) => {
    const decision = v.decision as StoredDecision | null;
    const interval = decision?.bootstrap;
    if (!interval) return [];
    return [{ label: `v${v.version}`, improvement: interval.improvement, lower: interval.lower, upper: interval.upper, minImprovement: decision.minImprovement ?? 0 }];
  });
}

async function decisionSection(versions: readonly VersionLineage[]): Promise<string> {
  const decided = versions.filter((v) => v.decision !== null);
  if (decided.length === 0) return '<p class="note">No decision yet.</p>';
  const rows = decisionIntervals(versions);
  const metric = (decided[decided.length - 1]!.decision as StoredDecision).metric ?? 'the metric';
  const chart = rows.length === 0
    ? '<p class="note">No decision carries a bootstrap interval (a first model has no champion to compare with).</p>'
    : await renderChart(intervalSpec(rows, metric), {
      title: 'Improvement of each challenger with its bootstrap interval',
      description: `Each decided version's improvement in ${metric} over the champion it was compared with (point), its paired bootstrap interval (line), `
        + 'the required improvement (red tick) and zero (dashed).',
      dataTable: table(['Version', 'Improvement', 'Lower', 'Upper', 'Required'], rows.map((r) => [escapeHtml(r.label), num(r.improvement), num(r.lower), num(r.upper), num(r.minImprovement)])),
    });
  const decisionRows = decided.map((v) => {
    const d = v.decision as StoredDecision;
    const interval = d.bootstrap ? `[${formatNumber(d.bootstrap.lower)}, ${formatNumber(d.bootstrap.upper)}] at ${formatShare(d.bootstrap.confidence)}` : '—';
    return [
      `v${v.version}`, d.promote ? badge('promote', 'good') : badge('reject', 'bad'), escapeHtml(d.metric ?? '—'),
      num(d.challengerScore), num(d.championScore), num(d.improvement), escapeHtml(interval),
      `<ul>${(d.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`,
    ];
  });
  return `${chart}${table(['Version', 'Decision', 'Metric', 'Challenger', 'Champion', 'Improvement', 'Bootstrap interval', 'Reasons'], decisionRows)}`;
}

function reportTable(reports: readonly StoredDriftReport[]): string {
  if (reports.length === 0) return '<p class="note">No drift report yet.</p>';
  return table(['Report', 'Created', 'Window', 'Verdict', 'Drifted share', 'Champion'], reports.map((r) => {
    const { word, tone } = verdictOf(r);
    return [link(reportPath(r.id), `#${r.id}`), formatTime(r.createdAt), `${formatTime(r.windowStart)} → ${formatTime(r.windowEnd)}`,
      badge(word, tone), escapeHtml(formatShare(r.driftedShare)), `v${r.championVersion}`];
  }));
}

function retrainTable(retrains: readonly RetrainSummary[]): string {
  if (retrains.length === 0) return '<p class="note">No retrain yet.</p>';
  return table(['Retrain', 'Trigger', 'Status', 'Started', 'Finished'], [...retrains].reverse().map((r) => [
    link(retrainPath(r.id), r.id), escapeHtml(r.trigger), escapeHtml(r.status), formatTime(r.startedAt), formatTime(r.finishedAt),
  ]));
}
