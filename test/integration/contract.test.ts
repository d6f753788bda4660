/**
 * The API against its own OpenAPI document: scripts/contract-test.sh runs schemathesis (valid and
 * invalid requests generated from /openapi.json) against a served instance with a worker, on the
 * integration run's Temporal server. Any 5xx, undocumented status or body, or accepted invalid input fails it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { inject, it, expect } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

it('conforms to its OpenAPI document under schemathesis, with no server errors', async () => {
  const run = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile('bash', ['scripts/contract-test.sh'], {
      cwd: ROOT,
      timeout: 280_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
  // The end of schemathesis's report says which operation failed which check, and how to reproduce it.
  expect(run.code, run.output.slice(-6000)).toBe(0);
}, 300_000);
