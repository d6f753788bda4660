/**
 * The HTTP service (src/service) against a real PostgreSQL database, the shared Temporal dev server
 * and the harness's real workers: API keys and roles, ingestion of JSON and CSV, a drift check, a
 * retrain and its 409, a rollback that must be forced, the list endpoints, and its error answers.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings';
import { buildService, PAGE_KEY_COOKIE } from '../../src/service/server';
import { createApiKey } from '../../src/store/api-keys';
import { createPool } from '../../src/store/db';
import { getChampionVersion, listVersions } from '../../src/store/registry';
import { retrainWorkflowId } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const MODEL = 'service';

let harness: Harness;
let app: FastifyInstance;
const keys: Record<'read' | 'operate' | 'admin', string> = { read: '', operate: '', admin: '' };
/** The bootstrap's champion: the tuned v1, or the linear baseline registered after it. */
let champion: number;

interface Answer { status: number; body: unknown; headers: Record<string, unknown> }

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string,
  options: { key?: string | null; body?: unknown; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const key = options.key === undefined ? keys.admin : options.key;
  const headers: Record<string, string> = { ...options.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.contentType) headers['content-type'] = options.contentType;
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const text = response.body;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a redirect, a page): the text is the body.
  }
  return { status: response.statusCode, body, headers: response.headers };
}

function toCsv(rows: Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0]!);
  return [columns.join(','), ...rows.map((row) => columns.map((c) => String(row[c])).join(','))].join('\n') + '\n';
}

beforeAll(async () => {
  harness = await startHarness('service');
  const settings = { ...loadSettings(harness.processEnv()), serviceIngestMaxBytes: 200_000 };
  app = await buildService({ db: harness.db, client: harness.client, settings });
  for (const role of ['read', 'operate', 'admin'] as const) {
    keys[role] = (await createApiKey(harness.db, { name: `test ${role}`, role, createdBy: 'test' })).key;
  }
});

afterAll(async () => {
  await app?.close();
  await harness?.close();
});

describe('the HTTP API', () => {
  it('refuses requests without a valid key (401) or with too low a role (403), with clear bodies', async () => {
    const missing = await call('GET', '/api/v1/models', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining("'Authorization: Bearer <key>'") } });
    const unknown = await call('GET', '/api/v1/models', { key: `dw_000000000000_${'A'.repeat(43)}` });
    expect(unknown).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'unknown API key' } } });
    const garbage = await call('GET', '/api/v1/models', { key: 'not-a-key' });
    expect(garbage.status).toBe(401);

    const readOnOperate = await call('POST', `/api/v1/models/${MODEL}/checks`, { key: keys.read });
    expect(readOnOperate).toMatchObject({
      status: 403, body: { error: { code: 'forbidden', message: "this needs the operate role; key 'test read' has read" } },
    });
    const operateOnAdmin = await call('POST', '/api/v1/keys', { key: keys.operate, body: { role: 'read', name: 'x' } });
    expect(operateOnAdmin.status).toBe(403);
    expect((await call('GET', '/api/v1/models', { key: keys.read })).status).toBe(200);
  });

  it('creates keys with the CLI and the API, refuses a revoked key, and never stores a key', async () => {
    const { stdout } = await execFileAsync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli.ts', 'keys', 'create', '--role', 'read', '--name', 'from cli', '--json'], {
      cwd: ROOT, env: harness.processEnv(), timeout: 60_000,
    });
    const fromCli = JSON.parse(stdout) as { id: string; key: string; role: string };
    expect(fromCli.key).toMatch(/^dw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect((await call('GET', '/api/v1/models', { key: fromCli.key })).status).toBe(200);

    const created = await call('POST', '/api/v1/keys', { body: { role: 'operate', name: 'ci' } });
    expect(created).toMatchObject({ status: 201, body: { role: 'operate', name: 'ci', createdBy: 'api key test admin', revokedAt: null } });
    const apiKey = (created.body as { id: string; key: string });
    const stored = await harness.db.query<{ text: string }>('SELECT row_to_json(k)::text AS text FROM api_keys k');
    expect(stored.rows.map((r) => r.text).join('\n')).not.toContain(apiKey.key.slice(20));

    const revoked = await call('DELETE', `/api/v1/keys/${apiKey.id}`);
    expect(revoked).toMatchObject({ status: 200, body: { id: apiKey.id, revokedAt: expect.any(String) } });
    expect(await call('GET', '/api/v1/models', { key: apiKey.key })).toMatchObject({
      status: 401, body: { error: { code: 'unauthorized', message: 'this API key was revoked' } },
    });
    expect((await call('DELETE', '/api/v1/keys/0123456789ab')).status).toBe(404);
  });

  it('registers a config (201, then 200), refusing one for another model or an invalid one with the field named', async () => {
    // With the linear fallback a bootstrap promotes whether or not the few test trials beat the linear baseline.
    const yaml = testModelYaml(MODEL, { linearFallback: true });
    const first = await call('PUT', `/api/v1/models/${MODEL}/config`, { body: yaml, contentType: 'application/yaml' });
    expect(first).toMatchObject({ status: 201, body: { model: MODEL, created: true } });
    const again = await call('PUT', `/api/v1/models/${MODEL}/config`, { body: yaml, contentType: 'application/yaml' });
    expect(again).toMatchObject({ status: 200, body: { created: false } });
    const other = await call('PUT', '/api/v1/models/other/config', { body: yaml, contentType: 'application/yaml' });
    expect(other).toMatchObject({ status: 400, body: { error: { code: 'invalid_config', field: 'model' } } });
    const typo = await call('PUT', `/api/v1/models/${MODEL}/config`, { body: yaml.replace('  window: 30d', '  windw: 30d'), contentType: 'text/yaml' });
    expect(typo).toMatchObject({ status: 400, body: { error: { code: 'invalid_config', field: 'monitoring.windw' } } });
    expect((typo.body as { error: { message: string } }).error.message).toContain("did you mean 'window'?");
  });

  it('ingests a JSON array and a CSV body through the CLI validation: bad rows rejected by row and field, the rest stored', async () => {
    const rows = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 400, seed: 7 });
    const json = await call('POST', `/api/v1/models/${MODEL}/rows`, { body: [...rows.slice(0, 300), { ...rows[0], x1: 'warm' }] });
    expect(json).toMatchObject({ status: 200, body: { accepted: 300, rejected: 1, problems: 1 } });
    expect((json.body as { rejections: unknown[] }).rejections).toEqual([
      expect.objectContaining({ rowNumber: 301, field: 'x1', value: 'warm' }),
    ]);

    const csv = toCsv(rows.slice(300)).replace(/\n([^\n]*)\n$/, '\n$1\n2026-02-01T00:00:00Z,1,2,3,a,maybe\n');
    const streamed = await call('POST', `/api/v1/models/${MODEL}/rows`, { body: csv, contentType: 'text/csv' });
    expect(streamed).toMatchObject({ status: 200, body: { accepted: 100, rejected: 1 } });
    expect((streamed.body as { rejections: Array<{ field: string }> }).rejections[0]?.field).toBe('label');
    const stored = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feature_rows WHERE model_name = $1', [MODEL]);
    expect(stored.rows[0]?.n).toBe(400);
  });

  it('refuses bodies over the limit with 413, before reading them whole', async () => {
    const big = 'event_time,x1\n' + '2026-01-01T00:00:00Z,1\n'.repeat(20_000);
    const csv = await call('POST', `/api/v1/models/${MODEL}/rows`, { body: big, contentType: 'text/csv' });
    expect(csv).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
    const json = await call('POST', '/api/v1/keys', { body: { role: 'read', name: 'x'.repeat(1_100_000) } });
    expect(json).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
  });

  it('runs a drift check through the monitor, and starts a bootstrap retrain', async () => {
    const check = await call('POST', `/api/v1/models/${MODEL}/checks`, { key: keys.operate });
    expect(check).toMatchObject({ status: 200, body: { modelName: MODEL, outcome: 'no_champion', retrain: { started: false } } });

    const started = await call('POST', `/api/v1/models/${MODEL}/retrains`, { key: keys.operate, body: { reason: 'first version' } });
    expect(started).toMatchObject({
      status: 202, body: { workflowId: retrainWorkflowId(MODEL), trigger: 'bootstrap', requestedBy: 'api key test operate', championVersion: null },
    });
    const again = await call('POST', `/api/v1/models/${MODEL}/retrains`, { key: keys.operate, body: {} });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: expect.stringContaining('already running') } } });
    const result = await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result() as { outcome: string; reason: string };
    expect(result, result.reason).toMatchObject({ outcome: 'promoted' });
    champion = (await getChampionVersion(harness.db, MODEL))!;

    const checked = await call('POST', `/api/v1/models/${MODEL}/checks`, { key: keys.operate });
    expect(checked).toMatchObject({ status: 200, body: { outcome: 'checked', championVersion: champion, reportId: expect.any(Number) } });
    const reportId = (checked.body as { reportId: number }).reportId;
    const report = await call('GET', `/api/v1/drift-reports/${reportId}`, { key: keys.read });
    expect(report).toMatchObject({ status: 200, body: { id: reportId, modelName: MODEL, championVersion: champion } });
    expect((report.body as { features: Array<{ feature: string }> }).features.map((f) => f.feature).sort()).toEqual(['segment', 'x1', 'x2', 'x3']);
  });

  it('lists models, versions, lineage, reports, retrains, trials and alerts in their documented shapes', async () => {
    expect(await call('GET', '/api/v1/models', { key: keys.read })).toMatchObject({
      status: 200, body: [{ model: MODEL, task: 'binary_classification', features: 4, champion }],
    });
    const model = await call('GET', `/api/v1/models/${MODEL}`, { key: keys.read });
    expect(model).toMatchObject({ status: 200, body: { model: MODEL, champion, aliases: { champion }, approvalRequired: false } });
    expect(model.body).not.toHaveProperty('config');
    const versions = await call('GET', `/api/v1/models/${MODEL}/versions`, { key: keys.read });
    expect(versions.status).toBe(200);
    expect(versions.body).toContainEqual(expect.objectContaining({ version: champion, status: 'champion' }));
    expect(await call('GET', `/api/v1/models/${MODEL}/versions/${champion}`, { key: keys.read })).toMatchObject({
      status: 200, body: { version: champion, retrain: { trigger: 'bootstrap', requestedBy: 'api key test operate', reason: 'first version' }, aliases: expect.arrayContaining(['champion']) },
    });
    const reports = await call('GET', `/api/v1/models/${MODEL}/drift-reports?limit=5`, { key: keys.read });
    expect(reports.status).toBe(200);
    expect(reports.body).toHaveLength(1);
    const retrains = await call('GET', `/api/v1/models/${MODEL}/retrains`, { key: keys.read });
    expect(retrains).toMatchObject({ status: 200, body: [{ trigger: 'bootstrap', status: 'promoted' }] });
    const runId = (retrains.body as Array<{ id: string }>)[0]!.id;
    const trials = await call('GET', `/api/v1/models/${MODEL}/trials?retrain=${runId}`, { key: keys.read });
    expect(trials.status).toBe(200);
    expect((trials.body as Array<{ retrainId: string }>).map((t) => t.retrainId)).toEqual([runId, runId]);
    expect(await call('GET', `/api/v1/models/${MODEL}/alerts?limit=3`, { key: keys.read })).toMatchObject({ status: 200, body: [] });
  });

  it('answers 404 for an unknown model, version or report, 400 for a malformed parameter, 405 for a wrong method', async () => {
    expect(await call('GET', '/api/v1/models/nosuch', { key: keys.read })).toMatchObject({
      status: 404, body: { error: { code: 'not_found', field: 'model' } },
    });
    expect(await call('GET', `/api/v1/models/${MODEL}/versions/99`, { key: keys.read })).toMatchObject({
      status: 404, body: { error: { code: 'not_found', field: 'version' } },
    });
    expect((await call('GET', '/api/v1/drift-reports/999999', { key: keys.read })).status).toBe(404);
    expect((await call('POST', '/api/v1/models/nosuch/checks', { key: keys.operate })).status).toBe(404);
    expect(await call('GET', `/api/v1/models/${MODEL}/drift-reports?limit=0`, { key: keys.read })).toMatchObject({
      status: 400, body: { error: { code: 'invalid_request', field: 'querystring.limit' } },
    });
    expect((await call('GET', '/api/v1/models/Not%20A%20Name', { key: keys.read })).status).toBe(400);
    const wrongMethod = await call('PUT', '/api/v1/models', { key: keys.read });
    expect(wrongMethod).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    expect((await call('GET', '/api/v1/nothing-here', { key: null })).status).toBe(404);
  });

  it('starts a manual retrain through the monitor and refuses a second one with 409 while it runs', async () => {
    const started = await call('POST', `/api/v1/models/${MODEL}/retrains`, { key: keys.operate, body: { reason: 'try again' } });
    expect(started).toMatchObject({ status: 202, body: { trigger: 'manual', championVersion: champion } });
    const again = await call('POST', `/api/v1/models/${MODEL}/retrains`, { key: keys.operate, body: {} });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: expect.stringContaining(`a retrain of ${MODEL} is already running`) } } });
    await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  });

  it('rolls back only with force and a reason to a version a person rejected', async () => {
    const current = await getChampionVersion(harness.db, MODEL);
    const target = (await listVersions(harness.db, MODEL)).find((v) => v.version !== current)!.version;
    await harness.db.query(
      `UPDATE model_versions SET status = 'rejected', decision = $3 WHERE model_name = $1 AND version = $2`,
      [MODEL, target, JSON.stringify({ promote: false, reasons: [], approval: { status: 'rejected', by: 'alice', reason: 'too slow' } })],
    );
    expect((await call('POST', `/api/v1/models/${MODEL}/rollback`, { key: keys.operate, body: { to: target } })).status).toBe(403);
    const unforced = await call('POST', `/api/v1/models/${MODEL}/rollback`, { body: { to: target } });
    expect(unforced).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('a rollback to it must be forced, with a reason') } } });
    const noReason = await call('POST', `/api/v1/models/${MODEL}/rollback`, { body: { to: target, force: true } });
    expect(noReason).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const forced = await call('POST', `/api/v1/models/${MODEL}/rollback`, { body: { to: target, force: true, reason: 'the other one is worse' } });
    expect(forced).toMatchObject({
      status: 200, body: { outcome: 'rolled_back', from: current, to: target, forcedOver: 'was rejected by alice (too slow)' },
    });
  });

  it('serves its OpenAPI document, a health check and Prometheus metrics without a key', async () => {
    const document = await call('GET', '/openapi.json', { key: null });
    expect(document.status).toBe(200);
    const paths = (document.body as { paths: Record<string, Record<string, { operationId?: string }>> }).paths;
    expect(paths['/api/v1/models/{model}/rows']?.post?.operationId).toBe('ingestRows');
    expect(Object.keys(paths)).not.toContain('/openapi.json');
    expect(await call('GET', '/healthz', { key: null })).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok', temporal: 'ok' } });
    const metrics = await call('GET', '/metrics', { key: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# TYPE driftwatch_ingest_rows_total counter$/m);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('answers a fault with a 500 that carries no stack trace or internal detail', async () => {
    const brokenDb = createPool('postgresql://postgres@127.0.0.1:1/nowhere');
    const broken = await buildService({ db: brokenDb, client: harness.client, settings: loadSettings(harness.processEnv()) });
    try {
      const response = await broken.inject({ method: 'GET', url: '/api/v1/models', headers: { authorization: `Bearer ${keys.read}` } });
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'internal', message: 'internal error; the service log has the details' } });
      expect(response.body).not.toMatch(/ECONNREFUSED|\s+at\s/);
    } finally {
      await broken.close();
      await brokenDb.end();
    }
  });
});

describe('page access', () => {
  it('takes a key once from ?key=, keeps it in an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const page = `/models/${MODEL}`;
    expect((await app.inject({ method: 'GET', url: page })).statusCode).toBe(401);
    const exchanged = await app.inject({ method: 'GET', url: `${page}?window=3&key=${keys.read}` });
    expect(exchanged.statusCode).toBe(303);
    expect(exchanged.headers.location).toBe(`${page}?window=3`);
    const cookie = String(exchanged.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${PAGE_KEY_COOKIE}=.+; HttpOnly; SameSite=Strict; Path=/`));
    const withCookie = await app.inject({ method: 'GET', url: page, headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.statusCode).toBe(200);
    expect(withCookie.headers['content-type']).toContain('text/html');
    expect(withCookie.body).toContain(MODEL);
    expect((await app.inject({ method: 'GET', url: page, headers: { authorization: `Bearer ${keys.read}` } })).statusCode).toBe(200);
    // The cookie opens pages only: an API call with it (a cross-site form, say) still needs the header.
    expect((await app.inject({ method: 'GET', url: '/api/v1/models', headers: { cookie: cookie.split(';')[0]! } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `${page}?key=dw_nope` })).statusCode).toBe(401);
  });

  it('leaves the pages out of the OpenAPI document', async () => {
    const document = await call('GET', '/openapi.json', { key: null });
    expect(Object.keys((document.body as { paths: object }).paths).filter((p) => !p.startsWith('/api/'))).toEqual(['/healthz']);
  });
});
