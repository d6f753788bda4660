/**
 * The pages in a real browser: a drift check on a shifted window and the retrain it starts, on a real
 * Temporal server and PostgreSQL; the pages served by pageRoutes alone on 127.0.0.1 and loaded in
 * Debian's Chromium (scripts/setup-test-tools.sh) driven by playwright-core. Screenshots go to
 * test-artifacts/pages/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { pageRoutes } from '../../src/pages/routes';
import { listDriftReports, type StoredDriftReport } from '../../src/store/drift-reports';
import { listVersions } from '../../src/store/registry';
import { listRetrains } from '../../src/store/retrains';
import { listTrials } from '../../src/store/trials';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'pages';
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'pages');
/** Bins per numeric histogram (DEFAULT_HISTOGRAM_BINS): two bars each, reference and window. */
const HISTOGRAM_BINS = 20;

let harness: Harness;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let drifted: StoredDriftReport;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-test-tools.sh (it installs Debian's chromium) before the browser tests`);
  harness = await startHarness('pages');
  await harness.registerModel(parseModelConfig(testModelYaml(MODEL), '<pages>'));
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 1 }));
  expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');
  // A calm check, then a shifted window: two points per trend, a drift report, and the retrain it starts.
  await harness.ingest(MODEL, syntheticRows({ start: '2026-02-10T00:00:00Z', rows: 480, seed: 2 }));
  expect((await harness.checkDrift(MODEL)).verdict).toBe('no_drift');
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 3, shift: 2.5, weights: [-2, 1.5, 2] }));
  const check = await harness.checkDrift(MODEL);
  expect(check.verdict).toBe('drift');
  expect(check.retrain.started).toBe(true);
  const retrain: RetrainResult = await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  expect(retrain.outcome, retrain.reason).toBe('promoted');
  drifted = (await listDriftReports(harness.db, MODEL)).find((r) => r.id === check.reportId)!;

  app = Fastify();
  await pageRoutes(app, { db: harness.db, publicUrl: 'http://127.0.0.1' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await harness?.close();
});

/** Opens a page and fails on anything but a 200 without console errors; returns the page and the errors seen while it loaded. */
async function open(url: string, screenshot: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(`${baseUrl}${url}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  await page.screenshot({ path: path.join(ARTIFACTS, screenshot), fullPage: true });
  expect(errors).toEqual([]);
  return page;
}

/** Each chart of the page (or of a part of it) with its marks counted by role: 'bar', 'point', 'line mark'. */
async function charts(page: Page, within = 'body'): Promise<Array<Record<string, number>>> {
  return page.locator(`${within} figure.chart svg[role="img"]`).evaluateAll((svgs) => svgs.map((svg) => ({
    bar: svg.querySelectorAll('[aria-roledescription="bar"]').length,
    point: svg.querySelectorAll('[aria-roledescription="point"]').length,
    line: svg.querySelectorAll('[aria-roledescription="line mark"]').length,
    titled: svg.querySelector(':scope > title')?.textContent ? 1 : 0,
  })));
}

describe('the pages in Chromium', () => {
  it('the drift report page shows the verdict and why, and per feature its histograms, and an ECDF for KS features', async () => {
    const page = await open(`/reports/${drifted.id}`, 'drift-report.png');
    expect(await page.title()).toBe(`Drift report #${drifted.id} of ${MODEL} · driftwatch`);
    const verdict = await page.locator('.verdict').textContent();
    expect(verdict).toContain('DRIFT');
    const why = await page.locator('ul.why').textContent();
    const driftedNames = drifted.features.filter((f) => f.drifted).map((f) => f.feature);
    expect(why).toContain(`${driftedNames.length} of ${drifted.features.filter((f) => f.measured).length} measured features drifted: ${driftedNames.join(', ')}`);
    // The test model's rule: drift at a drifted share of 30%, or at any PSI of 0.25.
    expect(why).toContain(`the rule calls the dataset drifted at 30% or more (drift.rule.driftedShare): ${drifted.driftedShare >= 0.3 ? 'met' : 'not met'}.`);
    const highPsi = drifted.features.filter((f) => f.psi !== null && f.psi >= 0.25).map((f) => f.feature);
    expect(highPsi).toContain('x1');
    expect(why).toMatch(new RegExp(`Any feature with PSI ≥ 0\\.25 drifts the dataset \\(drift\\.rule\\.anyPsiAtLeast\\): ${highPsi.map((f) => `${f} \\(PSI [0-9.]+\\)`).join(', ')}\\.`));

    for (const feature of drifted.features) {
      const drawn = await charts(page, `section[data-feature="${feature.feature}"]`);
      if (feature.kind === 'categorical') {
        // Grouped bars: a reference and a window bar per category (the synthetic segment has two).
        expect(drawn).toEqual([{ bar: 4, point: 0, line: 0, titled: 1 }]);
      } else {
        const histogram = { bar: 2 * HISTOGRAM_BINS, point: 0, line: 0, titled: 1 };
        expect(drawn).toEqual(feature.test === 'ks' ? [histogram, { bar: 0, point: 0, line: 2, titled: 1 }] : [histogram]);
      }
      const badge = await page.locator(`section[data-feature="${feature.feature}"] h3 .badge`).textContent();
      expect(badge).toBe(feature.drifted ? 'drifted' : 'ok');
    }
    expect(drifted.features.some((f) => f.test === 'ks')).toBe(true);
    await page.close();
  });

  it('the model page draws a score trend per feature with a point per check, and the decision with its bootstrap interval', async () => {
    const page = await open(`/models/${MODEL}`, 'model.png');
    const reports = await listDriftReports(harness.db, MODEL);
    const drawn = await charts(page);
    const features = drifted.features.length;
    // One trend per feature, a point per check that measured it, then the decisions' intervals.
    expect(drawn.slice(0, features).map((c) => c.point)).toEqual(Array(features).fill(reports.length));
    const withInterval = (await listVersions(harness.db, MODEL)).filter((v) => (v.decision as { bootstrap?: unknown } | null)?.bootstrap);
    expect(withInterval.length).toBeGreaterThan(0);
    expect(drawn.slice(features)).toEqual([{ bar: 0, point: withInterval.length, line: 0, titled: 1 }]);
    expect(await page.locator(`a[href="/reports/${drifted.id}"]`).count()).toBeGreaterThan(0);
    await page.close();
  });

  it('the retrain page shows its stages, the tuning curve and the decision', async () => {
    const retrain = (await listRetrains(harness.db, MODEL)).find((r) => r.trigger === 'drift')!;
    const page = await open(`/retrains/${retrain.id}`, 'retrain.png');
    const trials = await listTrials(harness.db, MODEL, { retrainId: retrain.id });
    const scored = trials.filter((t) => t.status !== 'failed' && t.score !== null);
    expect(scored.length).toBeGreaterThan(0);
    const [curve, interval] = await charts(page);
    expect(curve).toMatchObject({ point: scored.length, titled: 1 });
    expect(interval).toMatchObject({ point: 1, titled: 1 });
    const stages = await page.locator('table').first().textContent();
    for (const stage of ['claimed', 'planned', 'tuning', 'promoted v2', 'ended']) expect(stages).toContain(stage);
    expect(await page.locator('h1').textContent()).toContain('promoted');
    await page.close();
  });

  it('answers unknown IDs with a 404 page and malformed ones with a 400 page', async () => {
    for (const [url, status] of [['/reports/999999', 404], ['/models/nobody', 404], ['/retrains/no-such-run', 404], ['/reports/x', 400]] as const) {
      const response = await fetch(`${baseUrl}${url}`);
      expect(response.status, url).toBe(status);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    }
  });
});
