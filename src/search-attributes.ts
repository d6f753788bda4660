/**
 * Registers driftwatch's custom search attributes on the namespace. Workflows upsert them, and an
 * upsert of an unregistered attribute fails the workflow task, so workers call this before polling.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

const { IndexedValueType } = temporal.api.enums.v1;

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
  } catch (err) {
    // Another worker registered them between the list and the add.
    if ((err as { code?: number }).code !== ALREADY_EXISTS) {
      throw new Error(`cannot register the search attributes ${missing.map((k) => k.name).join(', ')} in namespace '${namespace}': ${(err as Error).message}`, { cause: err });
    }
  }
}

const ALREADY_EXISTS = 6;
