/**
 * The drift report page: what the check compared, its verdict and why, and per feature the test,
 * score, threshold and where it came from, with the reference and the window drawn side by side.
 */
import type { FeatureDriftResult } from '../drift';
import { DRIFT_TESTS } from '../drift/registry';
import type { StoredDriftReport } from '../store/drift-reports';
import { categorySpec, ecdfSpec, histogramSpec, num, renderChart } from './charts';
import type { CategoryShare, Ecdf, SharedBin } from './distributions';
import { badge, escapeHtml, facts, formatNumber, formatShare, formatTime, link, page, table, type Tone } from './html';
import { modelPath } from './paths';

export type FeatureDistribution =
  | {
      kind: 'numeric'; bins: SharedBin[]; ecdf: Ecdf | null; referenceValues: number; windowValues: number;
      /** The stored reference is an evenly spaced subsample of the training values (DEFAULT_REFERENCE_SAMPLE_LIMIT). */
      referenceSampled: boolean;
    }
  | { kind: 'categorical'; categories: CategoryShare[]; referenceValues: number; windowValues: number }
  | { kind: 'unavailable'; reason: string };

/** The dataset rule a report is explained by: the model's config as it is now (reports do not store their rule). */
export interface DatasetRule { minDriftedShare: number; anyPsiAtLeast: number | null; minMeasuredShare: number }

export interface DriftReportPageData {
  report: StoredDriftReport;
  /** null when the model's stored config cannot be read. */
  rule: DatasetRule | null;
  distributions: ReadonlyMap<string, FeatureDistribution>;
}

/** `canonical`: the page's public address, when the service knows it. */
/**
 * Charts are drawn for this many features, the drifted ones first: a model of thousands of features
 * would otherwise make a page of thousands of charts (and as many reads of the window). The table lists every one.
 */
export const DRAWN_FEATURES = 50;

/** The order features appear in: drifted first, otherwise as the report lists them. */
export function inPageOrder(features: readonly FeatureDriftResult[]): FeatureDriftResult[] {
  return [...features].sort((a, b) => Number(b.drifted) - Number(a.drifted));
}

export async function renderDriftReportPage({ report, rule, distributions }: DriftReportPageData, canonical?: string): Promise<string> {
  const title = `Drift report #${report.id} of ${report.modelName}`;
  const ordered = inPageOrder(report.features);
  const sections = await Promise.all(ordered.slice(0, DRAWN_FEATURES).map((feature, index) => featureSection(feature, index, distributions.get(feature.feature))));
  const undrawn = ordered.length - sections.length;
  const body = `
<h1>${escapeHtml(title)}</h1>
${facts([
    ['Model', link(modelPath(report.modelName), report.modelName)],
    ['Champion version', `v${report.championVersion}`],
    ['Window', `${formatTime(report.windowStart)} → ${formatTime(report.windowEnd)} (start exclusive)`],
    ['Rows in the window', `${report.rowCount}${report.lateRows > 0 ? ` (${report.lateRows} of them arrived late)` : ''}`],
    ['Compared with', escapeHtml(describeReference(report))],
    ['Created', formatTime(report.createdAt)],
    ['Source', escapeHtml(report.source)],
  ])}
<h2>Verdict</h2>
${verdictBlock(report, rule)}
<h2>Features</h2>
${featureTable(ordered)}
${sections.join('\n')}
${undrawn > 0 ? `<p class="note">${undrawn} more features are in the table above; the page draws the first ${DRAWN_FEATURES}, drifted first.</p>` : ''}
<p class="note">Charts show shares of each side's non-null values. ${link(modelPath(report.modelName), `All checks of ${report.modelName}`)}</p>`;
  return page(title, body, canonical);
}

export type VerdictWord = 'drift' | 'no drift' | 'not measured';

/** The verdict in words, with its tone; reports made before verdicts existed only say whether the features drifted. */
export function verdictOf(report: Pick<StoredDriftReport, 'verdict' | 'datasetDrift'>): { word: VerdictWord; tone: Tone } {
  const verdict = report.verdict ?? (report.datasetDrift ? 'drift' : 'no_drift');
  if (verdict === 'drift') return { word: 'drift', tone: 'bad' };
  if (verdict === 'not_measured') return { word: 'not measured', tone: 'warn' };
  return { word: 'no drift', tone: 'good' };
}

/**
 * Why the verdict is what it is, sentence by sentence: the drifted share against the rule, the PSI
 * rule, the measured share, the champion's performance. Plain text; the caller escapes it.
 */
export function explainVerdict(report: StoredDriftReport, rule: DatasetRule | null): string[] {
  const measured = report.features.filter((f) => f.measured);
  const drifted = measured.filter((f) => f.drifted);
  const lines: string[] = [];
  const names = drifted.length > 0 ? `: ${drifted.map((f) => f.feature).join(', ')}` : '';
  if (rule) {
    const met = measured.length > 0 && report.driftedShare >= rule.minDriftedShare;
    lines.push(`${drifted.length} of ${measured.length} measured features drifted${names}, a weighted share of ${formatShare(report.driftedShare)}; `
      + `the rule calls the dataset drifted at ${formatShare(rule.minDriftedShare)} or more (drift.rule.driftedShare): ${met ? 'met' : 'not met'}.`);
    if (rule.anyPsiAtLeast !== null) {
      const high = measured.filter((f) => f.psi !== null && f.psi >= rule.anyPsiAtLeast!);
      lines.push(high.length > 0
        ? `Any feature with PSI ≥ ${rule.anyPsiAtLeast} drifts the dataset (drift.rule.anyPsiAtLeast): ${high.map((f) => `${f.feature} (PSI ${formatNumber(f.psi)})`).join(', ')}.`
        : `No feature reached PSI ${rule.anyPsiAtLeast} (drift.rule.anyPsiAtLeast).`);
    }
    if (report.measuredShare !== null) {
      lines.push(`${formatShare(report.measuredShare)} of the features' weight could be tested; below ${formatShare(rule.minMeasuredShare)} `
        + `(monitoring.minMeasuredShare) a check without drift is "not measured", never "no drift".`);
    }
  } else {
    lines.push(`${drifted.length} of ${measured.length} measured features drifted${names}, a weighted share of ${formatShare(report.driftedShare)}; `
      + `the model's dataset rule could not be read from its stored config.`);
  }
  if (report.performance?.status === 'degraded') {
    lines.push(`The champion's realised performance degraded, which is drift whatever the features say: ${report.performance.reason}`);
  }
  return lines;
}

function verdictBlock(report: StoredDriftReport, rule: DatasetRule | null): string {
  const { word, tone } = verdictOf(report);
  const ruleNote = rule ? '<p class="note">The rule is the model\'s config as it is now; a report does not store the rule it was judged by.</p>' : '';
  return `<p class="verdict verdict-${tone}">Verdict: ${badge(word.toUpperCase(), tone)} <strong>${escapeHtml(word)}</strong></p>
<ul class="why">${explainVerdict(report, rule).map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>
${ruleNote}
<h3>The check's reasons</h3>
${report.reasons.length > 0 ? `<ul>${report.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '<p class="note">None recorded.</p>'}`;
}

function describeReference(report: StoredDriftReport): string {
  const reference = report.reference;
  if (!reference) return 'the champion\'s training window (reports of this age do not record the reference)';
  if (reference.mode === 'training') return `the training window of champion v${report.championVersion} (${reference.rows} rows)`;
  return `a ${reference.mode} reference: ${reference.start ?? '?'} → ${reference.end ?? '?'} (${reference.rows} rows)`;
}

/** A feature's status as a badge: what a person needs to know first, in a word. */
export function featureBadge(feature: Pick<FeatureDriftResult, 'drifted' | 'measured' | 'status'>): string {
  if (feature.drifted) return badge('drifted', 'bad');
  if (!feature.measured) return feature.status === 'insufficient_data' ? badge('insufficient data', 'warn') : badge('not measured', 'none');
  return badge('ok', 'good');
}

function featureTable(features: readonly FeatureDriftResult[]): string {
  return table(['Feature', 'Status', 'Test', 'Score', 'Threshold', 'PSI'], features.map((f, index) => [
    index < DRAWN_FEATURES ? `<a href="#feature-${index}">${escapeHtml(f.feature)}</a>` : escapeHtml(f.feature), featureBadge(f), escapeHtml(f.test), num(f.score),
    `${escapeHtml(f.scoreKind === 'p_value' ? 'p <' : '≥')} ${escapeHtml(formatNumber(f.threshold))}`, num(f.psi),
  ]));
}

const THRESHOLD_SOURCES: Record<FeatureDriftResult['thresholdSource'], string> = {
  config: 'set in the model\'s config (features[].drift.threshold)',
  default: 'the test\'s default',
  reference_chunks: 'learned from chunks of the reference (mean + k·std of their scores, drift.thresholds)',
};

async function featureSection(feature: FeatureDriftResult, index: number, distribution: FeatureDistribution | undefined): Promise<string> {
  const test = DRIFT_TESTS[feature.test];
  const rows: Array<[string, string]> = [
    ['Test', `${escapeHtml(test?.displayName ?? feature.test)} (${escapeHtml(feature.test)})`],
    ['Score', feature.measured
      ? `${escapeHtml(formatNumber(feature.score))} (${feature.scoreKind === 'p_value' ? 'a p-value: drift when below the threshold' : 'a distance: drift when at or above the threshold'})`
      : 'not measured'],
    ['Threshold', `${escapeHtml(formatNumber(feature.threshold))}, ${escapeHtml(THRESHOLD_SOURCES[feature.thresholdSource] ?? feature.thresholdSource)}`
      + (feature.thresholdDetail ? `; ${escapeHtml(feature.thresholdDetail)}` : '')],
  ];
  if (feature.effectSizeFloor !== undefined) {
    rows.push(['Effect size', `${escapeHtml(formatNumber(feature.effectSize))} (${escapeHtml(test?.effectSize?.displayName ?? 'effect size')}); must also reach `
      + `${escapeHtml(formatNumber(feature.effectSizeFloor))}, ${feature.effectSizeFloorSource === 'reference_chunks' ? 'learned from reference chunks' : 'drift.effectSizeFloor'}`]);
  }
  rows.push(['PSI', escapeHtml(formatNumber(feature.psi))]);
  rows.push(['Null rate', `${formatShare(feature.referenceNullRate)} in the reference, ${formatShare(feature.currentNullRate)} in the window${feature.nullRateDrifted ? ' (a shift that is drift on its own)' : ''}`]);
  if (feature.outOfRangeShare !== undefined) {
    rows.push(['Outside the reference range', `${formatShare(feature.outOfRangeShare)} of the window's values${feature.outOfRangeDrifted ? ' (drift on its own)' : ''}`]);
  }
  rows.push(['Values in the window', String(feature.currentCount)]);
  if (feature.statusDetail) rows.push(['Status detail', `${escapeHtml(feature.status)}: ${escapeHtml(feature.statusDetail)}`]);
  return `<section class="feature" id="feature-${index}" data-feature="${escapeHtml(feature.feature)}" aria-labelledby="feature-${index}-name">
<h3 id="feature-${index}-name">${escapeHtml(feature.feature)} ${featureBadge(feature)}</h3>
${facts(rows)}
<div class="charts">${await featureCharts(feature, distribution)}</div>
</section>`;
}

async function featureCharts(feature: FeatureDriftResult, distribution: FeatureDistribution | undefined): Promise<string> {
  if (!distribution) return '<p class="note">No distribution to draw.</p>';
  if (distribution.kind === 'unavailable') return `<p class="note">No distribution to draw: ${escapeHtml(distribution.reason)}</p>`;
  const name = feature.feature;
  const counts = `${distribution.referenceValues} reference values${distribution.kind === 'numeric' && distribution.referenceSampled ? ' (an evenly spaced subsample)' : ''} and ${distribution.windowValues} window values`;
  if (distribution.kind === 'categorical') {
    return renderChart(categorySpec(distribution.categories, name), {
      title: `${name}: reference vs window by category`,
      description: `Grouped bars of ${name}: the share of each category in the reference and in the window, from ${counts}.`,
      dataTable: table(['Category', 'Reference share', 'Window share'], distribution.categories.map((c) => [escapeHtml(c.category), num(c.reference), num(c.window)])),
    });
  }
  const charts = [await renderChart(histogramSpec(distribution.bins, name), {
    title: `${name}: reference vs window histogram`,
    description: `Overlaid histograms of ${name} on ${distribution.bins.length} shared bins: the share of values per bin in the reference and in the window, from ${counts}.`,
    dataTable: table(['From', 'To', 'Reference share', 'Window share'], distribution.bins.map((b) => [num(b.start), num(b.end), num(b.reference), num(b.window)])),
  })];
  if (feature.test === 'ks' && distribution.ecdf) {
    const gap = distribution.ecdf.largestGap;
    charts.push(await renderChart(ecdfSpec(distribution.ecdf, name), {
      title: `${name}: empirical CDFs`,
      description: `Empirical CDFs of ${name} in the reference and the window; the dashed rule marks their largest gap `
        + `(the KS statistic D = ${formatNumber(Math.abs(gap.reference - gap.window))}) at ${formatNumber(gap.value)}.`,
      dataTable: table(['Side', 'Value', 'Share ≤ value'], [
        ...distribution.ecdf.reference.map((p) => ['reference', num(p.value), num(p.share)]),
        ...distribution.ecdf.window.map((p) => ['window', num(p.value), num(p.share)]),
      ]),
    }));
  }
  return charts.join('\n');
}

