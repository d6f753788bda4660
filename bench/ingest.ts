/**
 * `npm run bench:ingest [-- --rows N | --10m]`: ingest throughput and memory. Generates a numeric CSV
 * (a timestamp, 7 numeric features, a 0/1 label: about 100 bytes a row, so 10 M rows make 1 GB),
 * ingests it through driftwatch's ingest path (`ingestFile`, what `driftwatch ingest` runs) into a
 * fresh throwaway database, and in the same run times a plain `psql -c "\copy ... FROM file CSV
 * HEADER"` of the same file into an equivalent table (the same key and index as feature_rows, one
 * typed column per CSV column), and of the rows driftwatch stored copied into feature_rows again (what
 * its layout alone costs the database, in COPY's text format). Prints rows/s for each, the ratios and driftwatch's peak
 * RSS. The database is dropped at the end, also on failure or Ctrl-C. See bench/README.md ("Ingest
 * benchmark").
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parseModelConfig } from '../src/config';
import { ingestFile } from '../src/ingest/ingest';
import { FEATURE_ROW_COPY_COLUMNS } from '../src/store/feature-rows-copy';
import { createPool, databaseUrl, migrate } from '../src/store/db';
import { saveModelConfig } from '../src/store/models';

const USAGE = `usage: npm run bench:ingest -- [--rows N | --10m] [--data-dir DIR]
  --rows N      rows in the generated CSV (default 1000000)
  --10m         10,000,000 rows (about 1 GB): the bounded-memory check
  --data-dir    where the CSV is generated and kept for reuse (default .tools/bench-data/ingest)`;

const MODEL = 'bench-ingest';
const FEATURES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'];
const TARGET_ROWS_PER_SECOND = 200_000;
const TARGET_PEAK_RSS_MB = 300;
const MB = 1024 * 1024;

interface Options { rows: number; dataDir: string }

function parseOptions(argv: string[]): Options {
  const options: Options = { rows: 1_000_000, dataDir: path.join(__dirname, '..', '.tools', 'bench-data', 'ingest') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--rows') {
      options.rows = Number(value());
      if (!Number.isInteger(options.rows) || options.rows < 1) throw new Error(`--rows must be a positive integer\n${USAGE}`);
    } else if (arg === '--10m') options.rows = 10_000_000;
    else if (arg === '--data-dir') options.dataDir = path.resolve(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

/** Deterministic rows (a linear congruential generator), so a kept file is the file a rerun would write. */
async function writeNumericCsv(file: string, rows: number): Promise<void> {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const start = Date.UTC(2020, 0, 1);
  let text = `event_time,${FEATURES.join(',')},label\n`;
  for (let i = 0; i < rows; i++) {
    text += new Date(start + i * 1000).toISOString();
    for (let f = 0; f < FEATURES.length; f++) text += `,${(uniform() * 100 - 50).toFixed(6)}`;
    text += `,${uniform() < 0.3 ? 1 : 0}\n`;
    if (text.length > 1 << 16) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end(text);
  await once(out, 'finish');
  renameSync(partial, file);
}

/** The CSV, generated in a child process so that this process's peak RSS is the ingest's alone. */
async function ensureCsv(options: Options): Promise<string> {
  const file = path.join(options.dataDir, `numeric-${options.rows}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(options.dataDir, { recursive: true });
  console.log(`generating ${options.rows} rows into ${file} ...`);
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--generate', file, String(options.rows)], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`generating ${file} failed (exit ${code})`);
  return file;
}

async function main(): Promise<void> {
  const [mode, generateFile, generateRows] = process.argv.slice(2);
  if (mode === '--generate') return writeNumericCsv(generateFile!, Number(generateRows));

  const options = parseOptions(process.argv.slice(2));
  const file = await ensureCsv(options);
  const bytes = statSync(file).size;
  console.log(`ingest bench: ${options.rows} rows × ${FEATURES.length} numeric features, ${(bytes / MB).toFixed(0)} MB (${file})`);
  // Other processes on the cores skew every timing here; the load average says whether there were any.
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);

  const adminUrl = new URL(databaseUrl());
  adminUrl.pathname = '/postgres';
  const dbName = `driftwatch_bench_ingest_${process.pid}`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  // Without FORCE, PostgreSQL waits a few seconds for the pool's closed connections to go; an interrupt cannot wait for queries.
  const dropDatabase = ({ force }: { force: boolean }) =>
    admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)}${force ? ' WITH (FORCE)' : ''}`);
  const onInterrupt = () => {
    void dropDatabase({ force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
  const db = createPool(dbUrl.toString());
  try {
    await migrate(db);
    await saveModelConfig(db, parseModelConfig(JSON.stringify({
      model: MODEL,
      task: 'binary_classification',
      label: 'label',
      features: FEATURES.map((name) => ({ name, kind: 'numeric' })),
    }), 'bench'));

    const psql = async (command: string): Promise<number> => {
      // Each measurement starts without the previous one's dirty pages to write back.
      await db.query('CHECKPOINT');
      const began = performance.now();
      await promisify(execFile)('psql', [dbUrl.toString(), '-v', 'ON_ERROR_STOP=1', '-c', command]);
      return (performance.now() - began) / 1000;
    };
    const quoted = (file: string) => `'${file.replaceAll("'", "''")}'`;

    await db.query('CHECKPOINT');
    const began = performance.now();
    const result = await ingestFile(db, MODEL, file, {
      onProgress: ({ rowsRead }) => {
        if (rowsRead % 1_000_000 === 0) process.stderr.write(`  driftwatch: ${rowsRead} rows, RSS ${(process.memoryUsage.rss() / MB).toFixed(0)} MB\n`);
      },
    });
    const driftwatchSeconds = (performance.now() - began) / 1000;
    if (result.accepted !== options.rows) throw new Error(`driftwatch stored ${result.accepted} of ${options.rows} rows: ${JSON.stringify(result.rejections.slice(0, 3))}`);
    // Kernel high-water mark of this process: the CSV was written by a child, so this is the ingest's (plus the setup's).
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    // What the layout alone costs the database: the rows driftwatch stored, copied in again by psql.
    const storedRows = path.join(options.dataDir, `feature-rows-${process.pid}.copy`);
    let layoutSeconds: number;
    try {
      const columns = FEATURE_ROW_COPY_COLUMNS.join(', ');
      await psql(`\\copy (SELECT ${columns} FROM feature_rows ORDER BY id) TO ${quoted(storedRows)}`);
      layoutSeconds = await psql(`\\copy feature_rows (${columns}) FROM ${quoted(storedRows)}`);
    } finally {
      rmSync(storedRows, { force: true });
    }

    // The comparison the targets name: feature_rows' key and index, a typed column per CSV column.
    await db.query(`CREATE TABLE plain_copy (
      id bigserial PRIMARY KEY, model_name text NOT NULL DEFAULT '${MODEL}', event_time timestamptz NOT NULL,
      ${FEATURES.map((name) => `${name} double precision`).join(', ')}, label double precision)`);
    await db.query('CREATE INDEX plain_copy_model_event_time ON plain_copy (model_name, event_time, id)');
    const plainSeconds = await psql(`\\copy plain_copy (event_time, ${FEATURES.join(', ')}, label) FROM ${quoted(file)} CSV HEADER`);

    const rate = (seconds: number) => options.rows / seconds;
    const line = (what: string, seconds: number) => console.log(`${what.padEnd(66)} ${seconds.toFixed(1).padStart(6)} s ${Math.round(rate(seconds)).toLocaleString('en-US').padStart(9)} rows/s`);
    line('driftwatch ingest (stream, validate, binary COPY into feature_rows)', driftwatchSeconds);
    line('psql \\copy of the same rows into feature_rows (text, no validation)', layoutSeconds);
    line('psql \\copy of the CSV into a typed table with the same key and index', plainSeconds);
    console.log(`driftwatch peak RSS: ${peakRssMb.toFixed(0)} MB`);
    console.log(`ratio driftwatch ÷ psql (typed table): ${(rate(driftwatchSeconds) / rate(plainSeconds)).toFixed(2)}; `
      + `÷ psql into feature_rows: ${(rate(driftwatchSeconds) / rate(layoutSeconds)).toFixed(2)}`);
    console.log(`targets: ≥ ${TARGET_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s: ${rate(driftwatchSeconds) >= TARGET_ROWS_PER_SECOND ? 'met' : 'NOT met'}; `
      + `peak RSS < ${TARGET_PEAK_RSS_MB} MB: ${peakRssMb < TARGET_PEAK_RSS_MB ? 'met' : 'NOT met'}`);
    console.log(`load now ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  } finally {
    await db.end();
    await dropDatabase({ force: false });
    await admin.end();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
