import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const HISTORIES_DIR = path.join(__dirname, 'histories');
Runtime.install({ logger: new DefaultLogger('WARN') });
const histories = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('committed workflow histories replay against the current workflow code', () => {
  it('has histories of the monitor and of bootstrap and drift retrains', () => {
    expect(histories).toEqual(expect.arrayContaining(['monitor.json', 'retrain-bootstrap.json', 'retrain-drift.json']));
  });

  it.each(histories)('%s replays without a non-determinism error', async (file) => {
    const history: unknown = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
    // Throws DeterminismViolationError (or any workflow task failure) if the code no longer matches.
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file.replace(/\.json$/, ''));
  });
});
