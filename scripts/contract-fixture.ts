/**
 * The world scripts/contract-test.sh tests in. `seed`: a fresh database (DATABASE_URL) with the example
 * model under the name CONTRACT_MODEL, one drift report (so the report routes have something to
 * return) and an admin key, printed on stdout. `teardown`: ends the model's workflows on the Temporal
 * server and drops the database. A name of its own keeps the run off the workflows of the real model.
 */
import path from 'node:path';
import { Client } from 'pg';
import { readModelSource, parseModelConfig } from '../src/config';
import { loadSettings } from '../src/settings';
import { createApiKey } from '../src/store/api-keys';
import { createPool, ensureDatabase, migrate } from '../src/store/db';
import { insertDriftReport } from '../src/store/drift-reports';
import { saveModelSource } from '../src/store/models';
import { connectTemporal } from '../src/temporal';
import { Client as TemporalClient } from '@temporalio/client';
import { monitorWorkflowId, retrainWorkflowId, rollbackWorkflowId } from '../workflows/definitions';

const settings = loadSettings();
const model = process.env.CONTRACT_MODEL;

async function seed(modelName: string): Promise<void> {
  await ensureDatabase(settings.databaseUrl);
  const db = createPool(settings.databaseUrl);
  try {
    await migrate(db);
    const example = await readModelSource(path.join(__dirname, '..', 'examples', 'seattle-weather.yaml'));
    const text = example.text.replace(/^model: .*$/m, `model: ${modelName}`);
    await saveModelSource(db, { text, config: parseModelConfig(text, `example for ${modelName}`) });
    await insertDriftReport(db, {
      modelName, championVersion: 1, windowStart: '2015-01-01T00:00:00Z', windowEnd: '2015-03-01T00:00:00Z',
      rowCount: 59, features: [], driftedShare: 0, datasetDrift: false, reasons: ['seeded for the contract test'], source: 'contract-test',
      asOfRowId: '0', lateRows: 0, verdict: 'no_drift', measuredShare: 1, reference: { mode: 'training', rows: 0 }, performance: null, checkId: null,
    });
    const { key } = await createApiKey(db, { name: 'contract test', role: 'admin', createdBy: 'contract-test' });
    process.stdout.write(`${key}\n`);
  } finally {
    await db.end();
  }
}

async function teardown(modelName: string): Promise<void> {
  const endpoint = await connectTemporal(settings);
  try {
    const client = new TemporalClient({ connection: endpoint.connection, namespace: settings.namespace });
    for (const id of [monitorWorkflowId(modelName), retrainWorkflowId(modelName), rollbackWorkflowId(modelName)]) {
      await client.workflow.getHandle(id).terminate('contract test over').catch(() => undefined);
    }
  } finally {
    await endpoint.connection.close();
  }
  const admin = new URL(settings.databaseUrl);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const command = process.argv[2];
if (!model || (command !== 'seed' && command !== 'teardown')) {
  process.stderr.write('usage: CONTRACT_MODEL=<name> DATABASE_URL=<url> tsx scripts/contract-fixture.ts seed|teardown\n');
  process.exit(2);
}
(command === 'seed' ? seed(model) : teardown(model)).catch((err: unknown) => {
  process.stderr.write(`contract-fixture ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
