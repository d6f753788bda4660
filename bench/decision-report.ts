/**
 * The decision benchmark's tables and targets, computed from the runs' records only (workflow
 * results and what was read from the database), so the JSON alone can reproduce them.
 */
import type { MonthRecord, Policy, RetrainRecord, RunResult, WindowDefinition } from './decision-run';
import { SHIFT_ONSET, type Scenario } from './decision-scenarios';

export interface TargetCheck { target: string; scenario: string | null; pass: boolean | null; detail: string }

const DAY_MS = 86_400_000;

/** What the issue asks to count, for one run. */
interface RunSummary {
  checks: number;
  blind: number;
  alarms: number;
  /** Alarms the champion's realized performance raised (alone or with the features). */
  performanceAlarms: number;
  alarmsPerYear: number;
  retrains: number;
  promoted: number;
  promotedIntervalIncludesZero: number;
  promotedWithoutInterval: number;
  qualityGateFailures: number;
  rejected: number;
  failed: number;
  otherOutcomes: number;
  promotedBelowBaseline: number;
  belowBaselineChallengers: number;
  belowBaselineReportedAsGateFailure: number;
  /** First alarm whose window ends on or after the onset, and the first check whose window holds ≥ 50% shifted rows. */
  detection: { alarmMonth: string | null; delayDays: number | null; deadlineMonth: string | null } | null;
  meanLogLoss: number | null;
  meanRocAuc: number | null;
  /** Over the months from SHIFT_ONSET on: the final year, after any shift. */
  finalLogLoss: number | null;
  finalRocAuc: number | null;
}

export function summariseRun(run: RunResult, onset: string | null): RunSummary {
  const checked = run.months.filter((m) => m.check?.outcome === 'checked');
  const alarmed = (m: MonthRecord) => isAlarm(m);
  const promoted = run.retrains.filter((r) => r.promoted);
  const belowBaseline = run.retrains.filter((r) => r.baseline?.belowBaseline && !r.promoted);
  const known = new Set(['promoted', 'rejected', 'failed_quality_gate', 'failed']);
  const final = run.months.filter((m) => m.month >= SHIFT_ONSET.slice(0, 7));
  return {
    checks: checked.length,
    blind: checked.filter(isBlind).length,
    alarms: run.months.filter(alarmed).length,
    performanceAlarms: run.months.filter((m) => alarmed(m) && m.check?.performance?.status === 'degraded').length,
    alarmsPerYear: run.policy === 'never' ? NaN : run.months.filter(alarmed).length / (run.months.length / 12),
    retrains: run.retrains.length,
    promoted: promoted.length,
    promotedIntervalIncludesZero: promoted.filter((r) => r.interval !== null && r.interval.lower <= 0 && r.interval.upper >= 0).length,
    promotedWithoutInterval: promoted.filter((r) => r.interval === null).length,
    qualityGateFailures: count(run.retrains, 'failed_quality_gate'),
    rejected: count(run.retrains, 'rejected'),
    failed: count(run.retrains, 'failed'),
    otherOutcomes: run.retrains.filter((r) => !known.has(r.outcome)).length,
    promotedBelowBaseline: promoted.filter((r) => r.baseline?.belowBaseline).length,
    belowBaselineChallengers: belowBaseline.length,
    belowBaselineReportedAsGateFailure: belowBaseline.filter((r) => r.outcome === 'failed_quality_gate').length,
    detection: onset === null || run.policy === 'never' ? null : detection(run.months, onset),
    meanLogLoss: mean(run.months.map((m) => m.logLoss)),
    meanRocAuc: mean(run.months.map((m) => m.rocAuc)),
    finalLogLoss: mean(final.map((m) => m.logLoss)),
    finalRocAuc: mean(final.map((m) => m.rocAuc)),
  };
}

/** A check whose verdict is drift: the features' rule, or the champion's realized performance. Records made before verdicts read datasetDrift. */
function isAlarm(month: MonthRecord): boolean {
  const check = month.check;
  if (check?.outcome !== 'checked') return false;
  return check.verdict === null || check.verdict === undefined ? check.datasetDrift : check.verdict === 'drift';
}

/** A check that could not evaluate the dataset rule: the code says so (verdict), or no feature was tested. */
function isBlind(month: MonthRecord): boolean {
  const verdict = (month.check as { verdict?: string | null } | null)?.verdict;
  if (verdict !== undefined && verdict !== null) return verdict === 'not_measured';
  return month.check!.features.every((f) => f.score === null);
}

function detection(months: MonthRecord[], onset: string): RunSummary['detection'] {
  const onsetMs = new Date(onset).getTime();
  const after = months.filter((m) => m.check?.window && new Date(m.check.window.end).getTime() >= onsetMs);
  const alarm = after.find(isAlarm);
  const deadline = months.find((m) => (m.shiftedShareOfWindow ?? 0) >= 0.5);
  return {
    alarmMonth: alarm?.month ?? null,
    delayDays: alarm ? Math.round((new Date(alarm.check!.window!.end).getTime() - onsetMs) / DAY_MS) : null,
    deadlineMonth: deadline?.month ?? null,
  };
}

export function printReport(results: RunResult[], scenarios: Scenario[]): TargetCheck[] {
  const targets: TargetCheck[] = [];
  for (const scenario of scenarios) {
    const runs = results.filter((r) => r.scenario === scenario.name);
    if (runs.length === 0) continue;
    const policies = [...new Set(runs.map((r) => r.policy))];
    const summaries = new Map(policies.map((policy) => [policy, runs.filter((r) => r.policy === policy).map((r) => summariseRun(r, scenario.onset))]));
    const config = runs.find((r) => r.policy === 'default')?.config ?? runs[0]!.config;
    console.log(`\n=== ${scenario.name}: ${scenario.description}${scenario.onset ? ` (onset ${scenario.onset})` : ''}`);
    console.log(`    default config as resolved: window ${formatWindow(config.window)}, minRows ${config.minRows}, promotion ${config.promotionMetric}`
      + ` (minImprovement ${config.minImprovement}, requireConfidentImprovement ${config.requireConfidentImprovement}); seeds ${[...new Set(runs.map((r) => r.seed))].join(', ')}; counts summed over seeds`);
    printTable(
      ['policy', 'checks', 'blind', 'alarms', 'perf. alarms', 'alarms/yr', 'retrains', 'promoted', 'prom. CI∋0', 'gate fails', 'rejected', 'failed', 'other',
        'prom. <baseline', '<baseline (gate)', 'detected (delay d / deadline)', 'AUC all', 'LL all', `AUC ${SHIFT_ONSET.slice(0, 4)}`, `LL ${SHIFT_ONSET.slice(0, 4)}`, 'alerts'],
      policies.map((policy) => {
        const s = summaries.get(policy)!;
        const perSeed = runs.filter((r) => r.policy === policy);
        const monitored = policy !== 'never';
        return [
          policy,
          monitored ? sum(s, 'checks') : '-',
          monitored ? sum(s, 'blind') : '-',
          monitored ? sum(s, 'alarms') : '-',
          monitored ? sum(s, 'performanceAlarms') : '-',
          monitored ? Math.max(...s.map((x) => x.alarmsPerYear)).toFixed(1) : '-',
          sum(s, 'retrains'), sum(s, 'promoted'),
          `${sum(s, 'promotedIntervalIncludesZero')}${sum(s, 'promotedWithoutInterval') > 0 ? ` (+${sum(s, 'promotedWithoutInterval')} no CI)` : ''}`,
          sum(s, 'qualityGateFailures'), sum(s, 'rejected'), sum(s, 'failed'), sum(s, 'otherOutcomes'),
          sum(s, 'promotedBelowBaseline'),
          `${sum(s, 'belowBaselineChallengers')} (${sum(s, 'belowBaselineReportedAsGateFailure')})`,
          s.map(formatDetection).join(' | '),
          fixed(mean(s.map((x) => x.meanRocAuc))), fixed(mean(s.map((x) => x.meanLogLoss))),
          fixed(mean(s.map((x) => x.finalRocAuc))), fixed(mean(s.map((x) => x.finalLogLoss))),
          formatAlerts(perSeed),
        ];
      }),
    );
    printMonths(runs, policies);
    targets.push(...scenarioTargets(scenario, summaries, championHarm(runs)));
  }
  targets.push(...globalTargets(results, scenarios));
  console.log('\n=== Targets (issue 9, default policy; measured above)');
  for (const t of targets) {
    const verdict = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL';
    console.log(`${verdict}  ${t.scenario ? `${t.scenario}: ` : ''}${t.target}: ${t.detail}`);
  }
  return targets;
}

/**
 * How much the shift hurt a champion nobody retrained: the `never` policy's log loss over the shifted
 * year against the year before, the same months of the same seasons. Null without a `never` run.
 */
function championHarm(runs: RunResult[]): string | null {
  const never = runs.filter((r) => r.policy === 'never');
  if (never.length === 0) return null;
  const year = SHIFT_ONSET.slice(0, 4);
  const before = mean(never.map((r) => mean(r.months.filter((m) => m.month < year && m.month >= `${Number(year) - 1}`).map((m) => m.logLoss))));
  const after = mean(never.map((r) => mean(r.months.filter((m) => m.month >= year).map((m) => m.logLoss))));
  if (before === null || after === null) return null;
  return `the unretrained champion's log loss ${fixed(after)} in ${year} against ${fixed(before)} the year before (${ratio(after, before)})`;
}

function scenarioTargets(scenario: Scenario, summaries: Map<Policy, RunSummary[]>, harm: string | null): TargetCheck[] {
  const targets: TargetCheck[] = [];
  const byDefault = summaries.get('default');
  if (!byDefault) return targets;
  if (scenario.onset === null) {
    const worst = Math.max(...byDefault.map((s) => s.alarmsPerYear));
    targets.push({ target: 'at most 1 alarm per simulated year', scenario: scenario.name, pass: worst <= 1,
      detail: `${byDefault.map((s) => s.alarmsPerYear.toFixed(1)).join(', ')} alarms/yr per seed` });
    const noisy = sum(byDefault, 'promotedIntervalIncludesZero');
    const unknown = sum(byDefault, 'promotedWithoutInterval');
    targets.push({ target: '0 promotions whose bootstrap interval includes 0', scenario: scenario.name, pass: noisy === 0 && unknown === 0,
      detail: `${noisy} of ${sum(byDefault, 'promoted')} promotions${unknown > 0 ? `, ${unknown} without an interval` : ''}` });
  } else {
    const results = byDefault.map((s) => s.detection!);
    const pass = results.every((d) => d.alarmMonth !== null && (d.deadlineMonth === null || d.alarmMonth <= d.deadlineMonth));
    targets.push({
      target: 'detected within the first window holding 50% shifted rows', scenario: scenario.name, pass,
      detail: results.map(formatDetectionFromParts).join('; ')
        + (scenario.visibleInFeatures ? '' : '; the features do not change: only the champion\'s realized performance can see it')
        + (harm ? `; ${harm}` : ''),
    });
  }
  const blind = sum(byDefault, 'blind');
  // Without it every other alarm target passes vacuously on a monitor that cannot see.
  targets.push({ target: 'every check measured (no blind check)', scenario: scenario.name, pass: blind === 0,
    detail: `${blind} of ${sum(byDefault, 'checks')} checks blind` });
  const byMonthly = summaries.get('monthly');
  if (byMonthly) {
    const [auc, aucMonthly] = [mean(byDefault.map((s) => s.finalRocAuc)), mean(byMonthly.map((s) => s.finalRocAuc))];
    const [logLoss, logLossMonthly] = [mean(byDefault.map((s) => s.finalLogLoss)), mean(byMonthly.map((s) => s.finalLogLoss))];
    const [retrains, retrainsMonthly] = [sum(byDefault, 'retrains'), sum(byMonthly, 'retrains')];
    const measured = auc !== null && aucMonthly !== null && logLoss !== null && logLossMonthly !== null;
    // Log loss is lower-better: "95% of monthly's quality" is monthly's loss / 0.95 at most.
    const metricPass = measured && auc >= 0.95 * aucMonthly && logLoss <= logLossMonthly / 0.95;
    targets.push({
      target: `final metric (mean over ${SHIFT_ONSET.slice(0, 4)}) ≥ 95% of monthly's with ≤ 1/3 of its retrains`, scenario: scenario.name,
      pass: metricPass && retrains * 3 <= retrainsMonthly,
      detail: !measured ? 'not measured' : `AUC ${fixed(auc)} vs ${fixed(aucMonthly)} (${ratio(auc, aucMonthly)}), log loss ${fixed(logLoss)} vs ${fixed(logLossMonthly)} `
        + `(${ratio(logLossMonthly, logLoss)} of monthly's quality), retrains ${retrains} vs ${retrainsMonthly}`,
    });
  }
  return targets;
}

function globalTargets(results: RunResult[], scenarios: Scenario[]): TargetCheck[] {
  const defaults = results.filter((r) => r.policy === 'default');
  if (defaults.length === 0) return [];
  const onsetOf = (name: string) => scenarios.find((s) => s.name === name)?.onset ?? null;
  const summaries = defaults.map((r) => summariseRun(r, onsetOf(r.scenario)));
  const promoted = sum(summaries, 'promoted');
  const belowBaseline = sum(summaries, 'promotedBelowBaseline');
  const withoutBaseline = defaults.flatMap((r) => r.retrains).filter((r) => r.promoted && r.baseline === null).length;
  const metric = defaults[0]!.config.promotionMetric;
  const challengersBelow = sum(summaries, 'belowBaselineChallengers');
  const reportedAsGate = sum(summaries, 'belowBaselineReportedAsGateFailure');
  return [
    { target: 'no challenger below the baseline promoted', scenario: null, pass: belowBaseline === 0 && withoutBaseline === 0,
      detail: `${belowBaseline} of ${promoted} promotions had a worse holdout ${metric} than the bench's logistic regression on the same rows`
        + (withoutBaseline > 0 ? `; ${withoutBaseline} could not be compared` : '') },
    { target: 'quality-gate failures reported as such (information)', scenario: null, pass: null,
      detail: `${challengersBelow} rejected challengers were below the bench's logistic regression on ${metric}; ${reportedAsGate} of them had outcome failed_quality_gate `
        + `(${sum(summaries, 'qualityGateFailures')} gate failures in all; the gate's own rule may differ from the bench's)` },
  ];
}

function printMonths(runs: RunResult[], policies: Policy[]): void {
  const months = runs[0]!.months.map((m) => m.month);
  console.log(`\n    serving champion, prequential (each month scored before it is ingested), log loss / ROC AUC, mean over seeds; default: alarms and retrain outcomes`);
  const perMonth = (policy: Policy, index: number) => {
    const rows = runs.filter((r) => r.policy === policy).map((r) => r.months[index]!);
    return `${fixed(mean(rows.map((m) => m.logLoss)))} / ${fixed(mean(rows.map((m) => m.rocAuc)))}`;
  };
  const defaultEvents = (month: string) => {
    const defaults = runs.filter((r) => r.policy === 'default');
    const alarms = defaults.filter((r) => {
      const record = r.months.find((m) => m.month === month);
      return record !== undefined && isAlarm(record);
    }).length;
    const outcomes = defaults.flatMap((r) => r.retrains.filter((x) => x.month === month).map(shortOutcome));
    return `${alarms > 0 ? `${alarms}× alarm` : ''}${outcomes.length > 0 ? ` → ${outcomes.join(',')}` : ''}`;
  };
  const rows = months.map((month, index) => [month, ...policies.map((p) => perMonth(p, index)), defaultEvents(month)]);
  rows.push(['mean', ...policies.map((policy) => {
    const rs = runs.filter((r) => r.policy === policy);
    return `${fixed(mean(rs.map((r) => mean(r.months.map((m) => m.logLoss)))))} / ${fixed(mean(rs.map((r) => mean(r.months.map((m) => m.rocAuc)))))}`;
  }), '']);
  printTable(['month', ...policies, 'default events'], rows);
}

function formatWindow(window: WindowDefinition): string {
  return window.kind === 'rows' ? `last ${window.rows} rows` : `${window.ms / DAY_MS}d`;
}

function shortOutcome(retrain: RetrainRecord): string {
  const ci = retrain.interval ? `[${retrain.interval.lower.toFixed(2)},${retrain.interval.upper.toFixed(2)}]` : '';
  return `${retrain.outcome}${retrain.promoted ? ci : ''}`;
}

function formatDetection(summary: RunSummary): string {
  return summary.detection ? formatDetectionFromParts(summary.detection) : '-';
}

function formatDetectionFromParts(d: NonNullable<RunSummary['detection']>): string {
  const deadline = d.deadlineMonth ?? 'never';
  return d.alarmMonth ? `${d.alarmMonth} (${d.delayDays}d / ${deadline})` : `no (deadline ${deadline})`;
}

function formatAlerts(runs: RunResult[]): string {
  const totals: Record<string, number> = {};
  for (const run of runs) for (const [event, n] of Object.entries(run.alerts)) totals[event] = (totals[event] ?? 0) + n;
  return Object.entries(totals).map(([event, n]) => `${event} ${n}`).join(', ') || '-';
}

function printTable(header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, k) => Math.max(...cells.map((row) => row[k]!.length)));
  for (const [index, row] of cells.entries()) {
    console.log(`    ${row.map((cell, k) => cell.padEnd(widths[k]!)).join('  ')}`);
    if (index === 0) console.log(`    ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

function count(retrains: RetrainRecord[], outcome: string): number {
  return retrains.filter((r) => r.outcome === outcome).length;
}

type Countable = { [K in keyof RunSummary]: RunSummary[K] extends number ? K : never }[keyof RunSummary];

function sum(summaries: RunSummary[], key: Countable): number {
  return summaries.reduce((total, s) => total + s[key], 0);
}

function mean(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length === 0 ? null : present.reduce((total, v) => total + v, 0) / present.length;
}

const fixed = (value: number | null): string => (value === null ? '-' : value.toFixed(3));
const ratio = (numerator: number, denominator: number): string => `${((100 * numerator) / denominator).toFixed(0)}%`;
