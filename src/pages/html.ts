/**
 * The pieces every page shares: escaping, the page frame with its one stylesheet, status badges and
 * number formats. Pure string building: pages are readable without JavaScript and load no asset.
 */
import { formatScore } from '../number-format';


const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and attribute values alike: every string that came from a user or the database goes through this. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Colours meet WCAG AA contrast on white (text ≥ 4.5:1, badges as white on their colour). */
export const PAGE_CSS = `
:root { color: #1a1a1a; background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: #0b57a4; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .3rem; }
nav { font-size: .9rem; color: #444; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .3rem; color: #fff; font-weight: 600; font-size: .85rem; }
.badge-bad { background: #a4161a; } .badge-good { background: #1d6b36; } .badge-warn { background: #7a4f00; } .badge-none { background: #4d4d4d; }
.verdict { font-size: 1.15rem; padding: .6rem .8rem; border-left: .4rem solid #4d4d4d; background: #f3f3f3; }
.verdict-bad { border-color: #a4161a; } .verdict-good { border-color: #1d6b36; } .verdict-warn { border-color: #7a4f00; }
.feature { border: 1px solid #ddd; border-radius: .4rem; padding: .2rem 1rem .8rem; margin: 1rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: .5rem 0; } figcaption { font-size: .85rem; color: #444; max-width: 34rem; }
figure svg { max-width: 100%; height: auto; }
.note { color: #444; font-size: .9rem; }
.missing { color: #5c3b00; background: #fff6e0; padding: .3rem .6rem; border-radius: .3rem; font-size: .9rem; }
details summary { cursor: pointer; color: #0b57a4; font-size: .9rem; }
`;

/**
 * A whole page: `body` is already escaped HTML; `canonical` the page's address as the service publishes it.
 * The empty icon keeps browsers from asking for /favicon.ico, a 404 in every page's console.
 */
export function page(title: string, body: string, canonical?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · driftwatch</title>
<style>${PAGE_CSS}</style>${canonical ? `\n<link rel="canonical" href="${escapeHtml(canonical)}">` : ''}
</head>
<body>
<nav><a href="/">driftwatch</a></nav>
<main>
${body}
</main>
</body>
</html>
`;
}

export type Tone = 'bad' | 'good' | 'warn' | 'none';

/** A badge says its status in words; the colour only repeats it. */
export function badge(text: string, tone: Tone): string {
  return `<span class="badge badge-${tone}">${escapeHtml(text)}</span>`;
}

/** A table with a header row; cells are escaped HTML, and a cell marked numeric aligns right. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | { num: string }>>, caption?: string): string {
  const cell = (value: string | { num: string }) => (typeof value === 'string' ? `<td>${value}</td>` : `<td class="num">${value.num}</td>`);
  return `<table>${caption ? `<caption class="note">${escapeHtml(caption)}</caption>` : ''}`
    + `<thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Term–description pairs; descriptions are escaped HTML. */
export function facts(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="facts">${pairs.map(([term, description]) => `<dt>${escapeHtml(term)}</dt><dd>${description}</dd>`).join('')}</dl>`;
}

/** Something the issue asks the page to show that driftwatch does not store: said, never invented. */
export function notStored(what: string): string {
  return `<p class="missing">Not stored: ${escapeHtml(what)}</p>`;
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatScore(value);
}

export function formatShare(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 0)}%`;
}

/** ISO instants as UTC, to the minute or second: a page is read by people in many time zones. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const text = new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(text)}</time>`;
}

export function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}
