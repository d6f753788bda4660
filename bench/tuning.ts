/**
 * `npm run bench:tuning [-- --quick] [-- --seeds N]`: driftwatch's Bayesian optimisation against
 * driftwatch's random search and Optuna's TPE (bench/tuning_peers.py, run concurrently in the same
 * invocation) on Branin and Hartmann-6. Prints the median simple regret (best value found minus the
 * known minimum) over seeds after 25, 50 and 100 evaluations, and checks the targets. This is a
 * benchmark, not a test: nothing fails the process except a broken harness.
 *
 * Every method is seeded (seed = 0 .. N-1), so a run is reproducible. BO proposes one trial at a time
 * (count = 1) with the default 10 random initial trials, as TPE does with its default n_startup_trials.
 * --quick: 5 seeds and at most 50 evaluations (budgets 25 and 50), about 20 s; the full run (20 seeds,
 * 100 evaluations) took about 9 minutes on a 2-core machine, almost all of it in driftwatch BO.
 *
 * Warm start: an earlier run of 25 evaluations on a drifted version of each problem (its inputs
 * shifted, as a data drift moves the best hyperparameters a little) seeds a re-tune of the problem
 * through the retrain's own proposal path (proposeNextTrials). Reported: the median number of
 * evaluations the re-tune needs to reach the earlier run's best score, warm against cold (the BO
 * runs above, same seeds); a run that never reaches it counts as the budget + 1.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { proposeBayesianTrials } from '../src/tuning/bayesian';
import { NO_WARM_START, type ParameterValues, type SearchSpace, type WarmStart, proposeNextTrials, proposeRandomTrials } from '../src/tuning';
import { BRANIN } from './branin';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'py', 'bin', 'python');
const PEERS = path.join(__dirname, 'tuning_peers.py');

interface Problem {
  name: string;
  space: SearchSpace;
  minimum: number;
  f: (p: ParameterValues) => number;
  /** Median regret target and the budget it applies to. */
  target: { regret: number; within: number };
  /** Added to every input before evaluating: the drifted problem an earlier tuning run saw. */
  drift: number[];
}

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

const PROBLEMS: Problem[] = [
  {
    name: 'branin',
    ...BRANIN,
    target: { regret: 0.01, within: 50 },
    drift: [-0.2, 0.3],
  },
  {
    name: 'hartmann6',
    space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i + 1}`, { type: 'float', min: 0, max: 1 }])),
    minimum: -3.32237,
    f: (p) => {
      const x = Array.from({ length: 6 }, (_, j) => p[`x${j + 1}`] as number);
      let total = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += HARTMANN_A[i]![j]! * (x[j]! - HARTMANN_P[i]![j]! * 1e-4) ** 2;
        total -= HARTMANN_ALPHA[i]! * Math.exp(-inner);
      }
      return total;
    },
    target: { regret: 0.1, within: 100 },
    drift: [0.03, -0.03, 0.03, -0.03, 0.03, -0.03],
  },
];

function bestSoFar(values: number[]): number[] {
  let best = Number.POSITIVE_INFINITY;
  return values.map((v) => (best = Math.min(best, v)));
}

function runBayesian(problem: Problem, seed: number, evals: number): number[] {
  const history: { parameters: ParameterValues; score: number }[] = [];
  while (history.length < evals) {
    const [p] = proposeBayesianTrials(problem.space, history, 1, { seed });
    history.push({ parameters: p!, score: problem.f(p!) });
  }
  return bestSoFar(history.map((h) => h.score));
}

const EARLIER_RUN_EVALS = 25;

function drifted(problem: Problem): (p: ParameterValues) => number {
  const names = Object.keys(problem.space).sort();
  return (p) => problem.f(Object.fromEntries(names.map((name, i) => {
    const spec = problem.space[name] as { min: number; max: number };
    return [name, Math.min(Math.max((p[name] as number) + problem.drift[i]!, spec.min), spec.max)];
  })));
}

function tune(f: (p: ParameterValues) => number, space: SearchSpace, warmStart: WarmStart, seed: number, evals: number, stopAt = -Infinity) {
  const history: { parameters: ParameterValues; score: number }[] = [];
  while (history.length < evals && !(history.length > 0 && history[history.length - 1]!.score <= stopAt)) {
    const [parameters] = proposeNextTrials({ space, history, warmStart, count: 1, seed, strategy: 'bayesian', initialRandomTrials: 10 });
    history.push({ parameters: parameters!, score: f(parameters!) });
  }
  return history;
}

/** Evaluations a warm-started re-tune needs to reach the earlier run's best score, and that score. */
function runWarmStart(problem: Problem, seed: number, evals: number): { target: number; evaluations: number } {
  const earlier = tune(drifted(problem), problem.space, NO_WARM_START, seed + 1000, EARLIER_RUN_EVALS);
  const best = earlier.reduce((a, b) => (b.score < a.score ? b : a));
  const warm = tune(problem.f, problem.space, { configurations: [best.parameters], earlierRuns: [earlier] }, seed, evals, best.score);
  return { target: best.score, evaluations: warm[warm.length - 1]!.score <= best.score ? warm.length : evals + 1 };
}

function evaluationsToReach(trace: number[], target: number): number {
  const index = trace.findIndex((value) => value <= target);
  return index < 0 ? trace.length + 1 : index + 1;
}

function runRandom(problem: Problem, seed: number, evals: number): number[] {
  return bestSoFar(proposeRandomTrials(problem.space, evals, seed).map(problem.f));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function runTpe(seeds: number, evals: number): Promise<{ optuna: string; traces: Record<string, number[][]> } | string> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tuning-')), 'tpe.json');
  if (!fs.existsSync(PYTHON)) return Promise.resolve(`${PYTHON} is missing: run bash scripts/setup-python-peers.sh`);
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [PEERS, 'tpe', out, '--seeds', String(seeds), '--evals', String(evals)], {
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (error) => resolve(`could not start ${PYTHON}: ${error.message}`));
    child.on('close', (code) => {
      if (code !== 0) return resolve(`tuning_peers.py exited with ${code}`);
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as { optuna: string; traces: Record<string, number[][]> });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log('usage: npm run bench:tuning [-- --quick] [-- --seeds N]');
    return;
  }
  const quick = args.includes('--quick');
  const seedsFlag = args.indexOf('--seeds');
  const seeds = seedsFlag >= 0 ? Number(args[seedsFlag + 1]) : quick ? 5 : 20;
  if (!Number.isSafeInteger(seeds) || seeds < 1) throw new Error('--seeds must be a positive integer');
  const budgets = quick ? [25, 50] : [25, 50, 100];
  const evals = budgets[budgets.length - 1]!;

  const tpe = runTpe(seeds, evals);
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const started = performance.now();
  const medians: Record<string, Record<string, number[]>> = {};
  const warmStartRows: string[] = [];
  for (const problem of PROBLEMS) {
    const t0 = performance.now();
    const bo = Array.from({ length: seeds }, (_, seed) => runBayesian(problem, seed, evals));
    const seconds = (performance.now() - t0) / 1000;
    const random = Array.from({ length: seeds }, (_, seed) => runRandom(problem, seed, evals));
    const regrets = (traces: number[][]): number[] => budgets.map((b) => median(traces.map((t) => t[b - 1]! - problem.minimum)));
    medians[problem.name] = { bo: regrets(bo), random: regrets(random) };
    const warm = Array.from({ length: seeds }, (_, seed) => runWarmStart(problem, seed, evals));
    const warmMedian = median(warm.map((w) => w.evaluations));
    const coldMedian = median(warm.map((w, seed) => evaluationsToReach(bo[seed]!, w.target)));
    warmStartRows.push(
      `${warmMedian < coldMedian ? 'MET ' : 'MISS'} ${problem.name}: a re-tune reaches the earlier run's best score in ${warmMedian} ` +
        `evaluations (median) with a warm start, ${coldMedian} from a cold start`,
    );
    console.error(`[bench] ${problem.name}: driftwatch BO ${seeds} seeds × ${evals} evaluations in ${seconds.toFixed(1)} s`);
  }
  const peer = await tpe;
  console.error(`[bench] total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (typeof peer === 'string') console.error(`[bench] TPE skipped: ${peer}`);

  const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toExponential(2));
  for (const problem of PROBLEMS) {
    const m = medians[problem.name]!;
    const tpeTraces = typeof peer === 'string' ? undefined : peer.traces[problem.name];
    const tpeMedians = tpeTraces && budgets.map((b) => median(tpeTraces.map((t) => t[b - 1]! - problem.minimum)));
    rows.push([problem.name, 'driftwatch BO', ...m.bo!.map(fmt)]);
    rows.push([problem.name, 'driftwatch random', ...m.random!.map(fmt)]);
    rows.push([problem.name, typeof peer === 'string' ? 'Optuna TPE' : `Optuna ${peer.optuna} TPE`, ...budgets.map((_, i) => fmt(tpeMedians?.[i]))]);

    const { regret, within } = problem.target;
    const at = budgets.indexOf(within);
    if (at >= 0) {
      const value = m.bo![at]!;
      verdicts.push(`${value <= regret ? 'MET ' : 'MISS'} ${problem.name}: median regret ${fmt(value)} ≤ ${regret} within ${within} evaluations`);
    } else {
      verdicts.push(`n/a  ${problem.name}: regret target at ${within} evaluations (not run in this mode)`);
    }
    const beatsRandom = m.bo!.every((v, i) => v < m.random![i]!);
    verdicts.push(`${beatsRandom ? 'MET ' : 'MISS'} ${problem.name}: better than random search at every budget`);
    if (tpeMedians) {
      const checked = budgets.map((b, i) => ({ b, i })).filter(({ b }) => b >= 50);
      const ok = checked.every(({ i }) => m.bo![i]! <= tpeMedians[i]!);
      verdicts.push(`${ok ? 'MET ' : 'MISS'} ${problem.name}: at least as good as TPE at ${checked.map(({ b }) => b).join(' and ')} evaluations`);
    }
  }
  const header = ['problem', 'method', ...budgets.map((b) => `regret@${b}`)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`median simple regret over ${seeds} seeds (best value found − known minimum)`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const verdict of verdicts) console.log(verdict);
  for (const verdict of warmStartRows) console.log(verdict);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
