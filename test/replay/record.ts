/** Saves workflow histories for the replay test when DRIFTWATCH_RECORD_HISTORIES=1 (see README.md here). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const recordingHistories = (): boolean => process.env.DRIFTWATCH_RECORD_HISTORIES === '1';

export async function saveHistories(histories: Array<{ name: string; handle: WorkflowHandle }>): Promise<void> {
  for (const { name, handle } of histories) {
    writeFileSync(path.join(__dirname, 'histories', `${name}.json`), historyToJSON(await handle.fetchHistory()));
  }
}
