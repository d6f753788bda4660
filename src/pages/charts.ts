/**
 * Charts as inline SVG, drawn on the server: a Vega-Lite spec per chart, compiled by vega-lite and
 * rendered by vega without a browser. No I/O. vega and vega-lite are ES modules only (vega's Node
 * build uses top-level await, which `require` refuses), so this CommonJS project imports them dynamically.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CategoryShare, Ecdf, SharedBin } from './distributions';
import { escapeHtml, formatNumber } from './html';

/** Reference blue and window orange: both at least 4.5:1 on white, a pair the common colour-vision deficiencies keep apart; each chart's table carries the same data. */
export const SIDE_COLOURS = { reference: '#1f5fa6', window: '#b93e0b' } as const;
const THRESHOLD_COLOUR = '#a4161a';
const NEUTRAL_COLOUR = '#333333';

const BASE_CONFIG = {
  background: 'white',
  font: 'sans-serif',
  axis: { labelColor: '#1a1a1a', titleColor: '#1a1a1a', labelFontSize: 11, titleFontSize: 12 },
  legend: { labelColor: '#1a1a1a', titleColor: '#1a1a1a', labelFontSize: 11, orient: 'bottom' },
  view: { stroke: '#cccccc' },
} as const;

const sideScale = { domain: ['reference', 'window'], range: [SIDE_COLOURS.reference, SIDE_COLOURS.window] };

let modules: Promise<[typeof import('vega'), typeof import('vega-lite')]> | null = null;

/** Renders a spec to an accessible figure: the SVG is one image with a title and a description, followed by its data as a table. */
export async function renderChart(spec: TopLevelSpec, text: { title: string; description: string; dataTable: string }): Promise<string> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vegaLite] = await modules;
  const compiled = vegaLite.compile({ config: BASE_CONFIG, ...spec } as TopLevelSpec).spec;
  const svg = await new vega.View(vega.parse(compiled), { renderer: 'none' }).toSVG();
  const accessible = svg.replace(
    /^<svg /,
    `<svg role="img" aria-label="${escapeHtml(text.description)}" `,
  ).replace(/^(<svg [^>]*>)/, `$1<title>${escapeHtml(text.title)}</title>`);
  return `<figure class="chart">${accessible}<figcaption>${escapeHtml(text.description)}</figcaption>`
    + `<details><summary>Data of “${escapeHtml(text.title)}” as a table</summary>${text.dataTable}</details></figure>`;
}

/** Overlaid histograms on shared bins: one bar per side and bin. */
export function histogramSpec(bins: readonly SharedBin[], feature: string): TopLevelSpec {
  const values = bins.flatMap((bin) => [
    { start: bin.start, end: bin.end, side: 'reference', share: bin.reference },
    { start: bin.start, end: bin.end, side: 'window', share: bin.window },
  ]);
  return {
    width: 420, height: 180, data: { values },
    mark: { type: 'bar', fillOpacity: 0.5, strokeWidth: 1, binSpacing: 0 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: feature, scale: { zero: false } },
      x2: { field: 'end' },
      y: { field: 'share', type: 'quantitative', stack: null, title: 'share of values', axis: { format: '.0%' } },
      // Without it vega-lite reads a bar with x and x2 as a ranged bar of no height.
      y2: { datum: 0 },
      color: { field: 'side', type: 'nominal', scale: sideScale, title: null },
      // The translucent fills that let both sides show are pale; full-strength outlines keep each bar's edge at the colour's contrast.
      stroke: { field: 'side', type: 'nominal', scale: sideScale, legend: null },
    },
  };
}

/** Grouped bars: for each category a reference bar and a window bar side by side. */
export function categorySpec(categories: readonly CategoryShare[], feature: string): TopLevelSpec {
  const values = categories.flatMap((c) => [
    { category: c.category, side: 'reference', share: c.reference },
    { category: c.category, side: 'window', share: c.window },
  ]);
  return {
    width: { step: 14 }, height: 180, data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'category', type: 'nominal', title: feature, sort: categories.map((c) => c.category), axis: { labelAngle: -40, labelLimit: 120 } },
      xOffset: { field: 'side', type: 'nominal', sort: ['reference', 'window'] },
      y: { field: 'share', type: 'quantitative', title: 'share of values', axis: { format: '.0%' } },
      color: { field: 'side', type: 'nominal', scale: sideScale, title: null },
    },
  };
}

/** Both empirical CDFs as step lines, and the largest gap between them (KS's D) as a vertical rule. */
export function ecdfSpec(curves: Ecdf, feature: string): TopLevelSpec {
  const values = [
    ...curves.reference.map((p) => ({ ...p, side: 'reference' })),
    ...curves.window.map((p) => ({ ...p, side: 'window' })),
  ];
  const gap = curves.largestGap;
  return {
    width: 420, height: 180,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: feature, scale: { zero: false } },
          y: { field: 'share', type: 'quantitative', title: 'share of values ≤ x', axis: { format: '.0%' } },
          color: { field: 'side', type: 'nominal', scale: sideScale, title: null },
        },
      },
      {
        data: { values: [{ value: gap.value, low: Math.min(gap.reference, gap.window), high: Math.max(gap.reference, gap.window) }] },
        mark: { type: 'rule', color: NEUTRAL_COLOUR, strokeWidth: 2, strokeDash: [3, 2] },
        encoding: { x: { field: 'value', type: 'quantitative' }, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
    ],
  };
}

export interface TrendPoint { reportId: number; at: string; score: number; threshold: number; drifted: boolean }

/**
 * One feature's score over the last checks with its threshold: p-values as −log10 p, so that for
 * every test higher is further from the reference and a point above the threshold line is drift.
 */
export function trendSpec(points: readonly TrendPoint[], axisTitle: string): TopLevelSpec {
  const values = points.map((p) => ({ ...p, status: p.drifted ? 'drifted' : 'ok' }));
  return {
    width: 260, height: 140, data: { values },
    encoding: { x: { field: 'at', type: 'temporal', title: 'check', axis: { format: '%b %d', labelAngle: 0, tickCount: 4 } } },
    layer: [
      { mark: { type: 'line', color: THRESHOLD_COLOUR, strokeDash: [4, 3], interpolate: 'step-after' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
      { mark: { type: 'line', color: SIDE_COLOURS.reference } , encoding: { y: { field: 'score', type: 'quantitative', title: axisTitle } } },
      {
        mark: { type: 'point', filled: true, size: 45 },
        encoding: {
          y: { field: 'score', type: 'quantitative' },
          shape: { field: 'status', type: 'nominal', scale: { domain: ['ok', 'drifted'], range: ['circle', 'triangle-up'] }, title: null },
          color: { field: 'status', type: 'nominal', scale: { domain: ['ok', 'drifted'], range: [SIDE_COLOURS.reference, THRESHOLD_COLOUR] }, title: null },
        },
      },
    ],
  };
}

export interface IntervalRow { label: string; improvement: number; lower: number; upper: number; minImprovement: number }

/** Each decision's improvement with its bootstrap interval, against zero and the required improvement. */
export function intervalSpec(rows: readonly IntervalRow[], metric: string): TopLevelSpec {
  return {
    width: 420, height: { step: 28 }, data: { values: rows },
    encoding: { y: { field: 'label', type: 'nominal', title: null, sort: rows.map((r) => r.label) } },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2, color: SIDE_COLOURS.reference }, encoding: { x: { field: 'lower', type: 'quantitative', title: `improvement in ${metric} (challenger − champion, better direction)` }, x2: { field: 'upper' } } },
      { mark: { type: 'point', filled: true, size: 60, color: SIDE_COLOURS.reference }, encoding: { x: { field: 'improvement', type: 'quantitative' } } },
      { mark: { type: 'tick', color: THRESHOLD_COLOUR, thickness: 2 }, encoding: { x: { field: 'minImprovement', type: 'quantitative' } } },
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: NEUTRAL_COLOUR, strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' }, y: null } },
    ],
  } as TopLevelSpec;
}

export interface TuningPoint { trial: number; loss: number; bestSoFar: number | null; status: string }

/** Every scored trial's loss as a point, and the best loss so far as a step line: the tuning curve. */
export function tuningSpec(points: readonly TuningPoint[]): TopLevelSpec {
  return {
    width: 420, height: 200, data: { values: points },
    encoding: { x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1, format: 'd' } } },
    layer: [
      { mark: { type: 'line', interpolate: 'step-after', color: THRESHOLD_COLOUR, strokeWidth: 2 }, encoding: { y: { field: 'bestSoFar', type: 'quantitative', title: 'validation loss', scale: { zero: false } } } },
      {
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          y: { field: 'loss', type: 'quantitative' },
          shape: { field: 'status', type: 'nominal', title: null },
          color: { field: 'status', type: 'nominal', scale: { domain: ['completed', 'pruned'], range: [SIDE_COLOURS.reference, SIDE_COLOURS.window] }, title: null },
        },
      },
    ],
  };
}

/** A cell value for the charts' data tables. */
export function num(value: number | null | undefined): { num: string } {
  return { num: escapeHtml(formatNumber(value)) };
}
