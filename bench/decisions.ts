/**
 * `npm run bench:decisions [-- --quick | --seeds N | --scenario NAME | --policies a,b | --out FILE]`:
 * are driftwatch's decisions ones a data scientist would trust? Replays labelled daily data month by
 * month through the real monitor and retrain workflows (Temporal dev server + PostgreSQL, as the
 * demo does) under three policies, and checks the issue-9 targets against what was measured.
 * See bench/README.md ("Decision benchmark") for the scenarios, the policies and how to read it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { registerSearchAttributes } from '../src/search-attributes';
import { loadSettings } from '../src/settings';
import { connectTemporal } from '../src/temporal';
import {
  BENCH_TUNING,
  POLICIES,
  runOnce,
  startAlertCounter,
  type BenchContext,
  type Policy,
  type RunResult,
} from './decision-run';
import { feedMonths, findScenario, SCENARIOS, SHIFT_ONSET, TRAINING_SPAN, type Scenario } from './decision-scenarios';
import { printReport, type TargetCheck } from './decision-report';
import { sourceState } from './source-state';

interface Options {
  scenarios: Scenario[];
  policies: Policy[];
  seeds: number[];
  out: string;
}

const USAGE = `usage: npm run bench:decisions -- [--quick] [--seeds N] [--scenario NAME[,NAME]] [--policies default,never,monthly[,training,seasonal,example]] [--out FILE]
  --quick      seattle and unit-change, one seed: a smoke run of a few minutes
  --seeds N    seeds 1..N (default 2)
  --scenario   ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
  --policies   default, never, monthly (default), training and seasonal (default with that reference mode) and example (the example config as written)
  --out FILE   where the JSON goes (default bench/results/decisions-<timestamp>.json)`;

function parseOptions(argv: string[]): Options {
  let scenarios: Scenario[] = [...SCENARIOS];
  let policies: Policy[] = ['default', 'never', 'monthly'];
  let seedCount = 2;
  let out = path.join(__dirname, 'results', `decisions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--quick') {
      scenarios = [findScenario('seattle'), findScenario('unit-change')];
      seedCount = 1;
    } else if (arg === '--seeds') {
      seedCount = Number(value());
      if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`--seeds must be a positive integer\n${USAGE}`);
    } else if (arg === '--scenario') {
      scenarios = value().split(',').map(findScenario);
    } else if (arg === '--policies') {
      policies = value().split(',').map((name) => {
        if (!(POLICIES as readonly string[]).includes(name)) throw new Error(`unknown policy '${name}'\n${USAGE}`);
        return name as Policy;
      });
    } else if (arg === '--out') {
      out = path.resolve(value());
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      throw new Error(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  return { scenarios, policies, seeds: Array.from({ length: seedCount }, (_, k) => k + 1), out };
}

async function main(): Promise<void> {
  const began = Date.now();
  const options = parseOptions(process.argv.slice(2));
  // Worker warnings (e.g. a training-only queue with no workflows) would bury the progress lines; failures surface in the results.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const settings = loadSettings();
  const source = sourceState('src workflows activities examples');
  console.log('driftwatch decision benchmark (issue 9): real monitor and retrain workflows, real Temporal and PostgreSQL');
  console.log(`driftwatch: ${source}`);
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`data: vega-datasets seattle-weather; bootstrap on ${TRAINING_SPAN.from}..${TRAINING_SPAN.toExclusive} (exclusive), then ${feedMonths()[0]}..${feedMonths().at(-1)} fed monthly; shifts from ${SHIFT_ONSET}`);
  console.log(`scenarios: ${options.scenarios.map((s) => s.name).join(', ')}; policies: ${options.policies.join(', ')}; seeds: ${options.seeds.join(', ')}`);
  console.log(`tuning (every policy): ${BENCH_TUNING.trials} trials, parallelism ${BENCH_TUNING.parallelism}, ${BENCH_TUNING.initialRandomTrials} random before the GP, epochs ${BENCH_TUNING.epochs}; retrain cooldown 0 (months pass in seconds)\n`);

  const { connection, address } = await connectTemporal(settings);
  await registerSearchAttributes(connection, settings.namespace);
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace: settings.namespace });
  const alerts = await startAlertCounter();
  const { code: workflowCode } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const adminUrl = new URL(settings.databaseUrl);
  adminUrl.pathname = '/postgres';
  const context: BenchContext = {
    client, nativeConnection, namespace: settings.namespace, temporalUiUrl: settings.temporalUiUrl,
    adminDatabaseUrl: adminUrl.toString(), workflowCode, alerts,
  };
  const results: RunResult[] = [];
  const total = options.scenarios.length * options.policies.length * options.seeds.length;
  try {
    for (const scenario of options.scenarios) {
      for (const seed of options.seeds) {
        for (const policy of options.policies) {
          const result = await runOnce(context, scenario, policy, seed);
          results.push(result);
          console.log(`[${results.length}/${total}] ${progressLine(result)}`);
        }
      }
    }
  } finally {
    await alerts.close();
    await nativeConnection.close();
    await connection.close();
  }

  const wallSeconds = (Date.now() - began) / 1000;
  const targets: TargetCheck[] = printReport(results, options.scenarios);
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, JSON.stringify({
    driftwatch: source, startedAt: new Date(began).toISOString(), wallSeconds, machine: { cores: os.cpus().length, load: os.loadavg() },
    tuning: BENCH_TUNING, scenarios: options.scenarios.map(({ name, description, onset }) => ({ name, description, onset })),
    targets, runs: results,
  }, null, 1));
  console.log(`\nJSON: ${path.relative(process.cwd(), options.out)}`);
  console.log(`driftwatch: ${source}`);
  console.log(`Total wall time: ${(wallSeconds / 60).toFixed(1)} min (${results.length} runs; load now ${os.loadavg()[0]!.toFixed(2)}).`);
}

function progressLine(result: RunResult): string {
  const alarms = result.months.filter((m) => m.check?.outcome === 'checked' && m.check.verdict === 'drift').length;
  const outcomes = result.retrains.map((r) => r.outcome);
  const summary = outcomes.length === 0 ? 'no retrain' : `${outcomes.length} retrains (${countBy(outcomes)})`;
  return `${result.scenario} ${result.policy} seed ${result.seed}: ${result.months.length} months, ${alarms} alarms, ${summary}, ${result.wallSeconds.toFixed(0)} s`;
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${n} ${value}`).join(', ');
}

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (message: string) => console.warn(message), error: (message: string) => console.error(message),
};

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench:decisions failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
