/**
 * `retrain --wait` and `check --wait` as a user runs them (a child process, tsx src/cli.ts): the live
 * stages up to the alerts after the decision, Ctrl-C that leaves the retrain running, and a check
 * that shows its stored report and follows the retrain it started. Real Temporal and PostgreSQL.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelYaml, until, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MODEL = 'cli-wait';
const PUBLIC_URL = 'https://driftwatch.example.com';

let harness: Harness;
let receiver: WebhookReceiver;

interface CliProcess {
  stdout(): string;
  stderr(): string;
  /** The process group's leader: a terminal's Ctrl-C signals the whole group (tsx and the node it starts). */
  pid: number;
  exited: Promise<number | null>;
}

function startCli(...args: string[]): CliProcess {
  let stdout = '';
  let stderr = '';
  const child = spawn(TSX, ['src/cli.ts', ...args], {
    cwd: ROOT, detached: true, env: { ...harness.processEnv(), DRIFTWATCH_PUBLIC_URL: PUBLIC_URL },
  });
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { stdout: () => stdout, stderr: () => stderr, pid: child.pid!, exited };
}

async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(...args);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The `[+Ns] ...` lines of a wait, elapsed seconds and text. */
function stageLines(output: string): Array<{ seconds: number; text: string }> {
  return [...output.matchAll(/^\[\+(\d+)s\] (.*)$/gm)].map((m) => ({ seconds: Number(m[1]), text: m[2]! }));
}

/** The index of each pattern's first line, in order: fails unless each comes after the one before. */
function expectInOrder(lines: ReadonlyArray<{ text: string }>, patterns: RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const index = lines.findIndex((line, i) => i >= from && pattern.test(line.text));
    expect(index, `${pattern} after line ${from} in:\n${lines.map((l) => l.text).join('\n')}`).toBeGreaterThanOrEqual(from);
    from = index + 1;
  }
}

beforeAll(async () => {
  harness = await startHarness('cli-wait');
  // The first two deliveries fail: the model_promoted alert is retried after the decision, as with a flaky route.
  receiver = await startWebhookReceiver({ failFirst: 2 });
  await harness.registerModel(parseModelConfig(testModelYaml(MODEL, { cooldown: '0s', webhooks: [receiver.url] }), '<cli-wait>'));
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 400, seed: 11 }));
});

afterAll(async () => {
  await harness?.close();
  await receiver?.close();
});

describe('waiting on the command line', () => {
  it('retrain --wait shows the stages as they come, the decision, and the alert retried after it', async () => {
    const run = await cli('retrain', MODEL, '--by', 'cli-wait-test', '--wait');
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const lines = stageLines(run.stdout);
    // A stage before the decision (which ones get a line depends on training speed against the 1 s poll).
    expectInOrder(lines, [/^(claiming|planning|tuning|training)\b/, /^done: promoted/, /^alerting: attempt [23] of 5, after: alert delivery failed: .*\/alerts: /]);
    // Each stage once, with the time since the wait began.
    expect(new Set(lines.map((l) => l.text)).size).toBe(lines.length);
    expect(lines.map((l) => l.seconds)).toEqual([...lines.map((l) => l.seconds)].sort((a, b) => a - b));
    expect(run.stdout).toMatch(/^Outcome: +promoted$/m);
    expect(run.stdout).toContain(`Alert:      model_promoted to ${receiver.url}: delivered after 3 attempts`);
    expect(run.stdout.indexOf('Outcome:')).toBeGreaterThan(run.stdout.lastIndexOf('[+'));
  });

  it('Ctrl-C during retrain --wait says the retrain goes on and how to follow it, exits 130, and the retrain completes', async () => {
    const run = startCli('retrain', MODEL, '--by', 'cli-wait-test', '--wait', '--json');
    // In --json mode the stages go to stderr; stdout stays one JSON document.
    await until('the first stage line', () => (/^\[\+\d+s\] /m.test(run.stderr()) ? true : undefined), 60_000);
    process.kill(-run.pid, 'SIGINT');
    const interruptedAt = Date.now();
    const code = await run.exited;
    expect(code, run.stderr()).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);

    const stderr = run.stderr();
    const workflowId = retrainWorkflowId(MODEL);
    const printed = JSON.parse(run.stdout()) as { workflowId: string; runId: string; result: null; interrupted: boolean };
    expect([printed.workflowId, printed.result, printed.interrupted]).toEqual([workflowId, null, true]);
    expect(stderr).toContain(`Stopped waiting. The retrain goes on: ${workflowId} (run ${printed.runId}) was not cancelled.`);
    expect(stderr).toContain(`follow it:    driftwatch status ${MODEL}`);
    expect(stderr).toContain(`cancel it:    driftwatch retrain cancel ${MODEL}`);
    expect(stderr).toMatch(new RegExp(`Temporal UI: +http://\\S+/workflows/${workflowId}/${printed.runId}/history`));
    expect(stderr).toContain(`retrain page: ${PUBLIC_URL}/retrains/${printed.runId}`);

    const handle = harness.client.workflow.getHandle(workflowId, printed.runId);
    const result = await handle.result() as RetrainResult;
    expect(['promoted', 'rejected']).toContain(result.outcome);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(false);
  });

  it('check --wait prints the stored report with its page, and follows the retrain the check started', async () => {
    // x1 shifted by three standard deviations, after the rows v1 and v2 were trained on.
    await harness.ingest(MODEL, syntheticRows({ start: '2026-01-17T16:00:00Z', rows: 120, seed: 12, shift: 3 }));
    const run = await cli('check', MODEL, '--wait');
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const reportId = /^Drift report (\d+) of 'cli-wait'/m.exec(run.stdout)?.[1];
    expect(reportId, run.stdout).toBeDefined();
    expect(run.stdout).toMatch(/^Drift check of 'cli-wait' at .*: checked \(champion v\d\)$/m);
    expect(run.stdout).toMatch(/^Drift: +yes \(/m);
    expect(run.stdout).toMatch(/^feature +test +score +threshold +PSI +drifted +status$/m);
    expect(run.stdout).toMatch(/^x1 +\S+ +\S+ +\S+ +\S+ +yes +ok$/m);
    expect(run.stdout).toContain(`Page: ${PUBLIC_URL}/reports/${reportId}`);
    expect(run.stdout).toContain(`Retrain: started ${retrainWorkflowId(MODEL)} (drift: `);
    // Whatever the decision (the shifted rows fail the quality gate here, on WASM and native alike), the
    // wait ends with it. Which stages before it get a line depends on how fast training runs against the 1 s poll.
    expectInOrder(stageLines(run.stdout), [/^(claiming|planning|tuning|training)\b/, /^done: (promoted|rejected|failed_quality_gate)/]);
    expect(run.stdout).toMatch(/^Outcome: +(promoted|rejected|failed_quality_gate)$/m);
    expect(run.stdout.indexOf('Page:')).toBeLessThan(run.stdout.indexOf('Retrain: started'));
  });
});
