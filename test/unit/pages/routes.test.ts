import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/store/db';
import { pageRoutes } from '../../../src/pages/routes';

// Malformed IDs are refused before any query: a database that fails every query proves it.
const unreachable = { query: () => Promise.reject(new Error('no query expected')) } as unknown as Db;
const app = Fastify();
beforeAll(() => pageRoutes(app, { db: unreachable, publicUrl: 'http://localhost:8080' }));
afterAll(() => app.close());

describe('page routes', () => {
  it.each([
    ['/reports/abc', 'Not a report ID'],
    ['/reports/0', 'Not a report ID'],
    ['/reports/99999999999999999999', 'Not a report ID'],
    ['/models/Bad%20Name', 'Not a model name'],
    ['/retrains/%3Cscript%3E', 'Not a retrain ID'],
  ])('answers %s with a 400 page that says why', async (url, heading) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(response.headers['content-security-policy']).not.toContain('script-src');
    expect(response.body).toContain(`<h1>${heading}</h1>`);
    expect(response.body).not.toContain('<script>');
  });
});
