/** The sort worker's thread (column-sorter.ts): reads and sorts each column it is sent, and sends its buffer back. */
import { parentPort } from 'node:worker_threads';
import { readAndSort, type SortReply, type SortRequest } from './column-sorter';

parentPort!.on('message', ({ id, buffer, byteOffset, length }: SortRequest) => {
  let reply: SortReply;
  try {
    const column = readAndSort(new Float64Array(buffer, byteOffset, length));
    reply = { id, buffer, byteOffset, length: column.values.length, nullCount: column.nullCount, invalidCount: column.invalidCount,
      ...(column.invalidExample === undefined ? {} : { invalidExample: column.invalidExample }) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply, 'error' in reply ? [] : [buffer]);
});

parentPort!.postMessage('ready');
