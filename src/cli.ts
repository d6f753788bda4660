/**
 * The `driftwatch` command line. Readable text by default, `--json` for scripts; errors are one
 * line `driftwatch: <message>` on stderr with exit code 1, usage errors exit 2 with the command's usage,
 * and an ingest that rejected rows exits 3.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliContext, CliError, UsageError } from './cli/context';
import * as data from './cli/data-commands';
import { closestMatch, commandHelp } from './cli/help';
import * as processes from './cli/process-commands';
import * as service from './cli/service-commands';
import * as workflows from './cli/workflow-commands';
import { ConfigError } from './config';
import { modelConfigJsonSchema } from './config-schema';
import { errorText, UnknownModelError } from './errors';
import { CsvParseError } from './ingest/csv';
import { OperationRefusedError } from './operations';
import { isRole, ROLES } from './service/api-keys';
import { loadSettings } from './settings';

export const USAGE = `Usage: driftwatch <command> [options]

Models
  models register <config.yaml>        validate a model config and store it (creates the database if needed)
  models list                          registered models and their champions
  models show <model> [--version N]    config summary and versions, or one version's lineage: data window,
                                       retrain and drift report behind it, parameters, backend, metrics,
                                       decision, artifact and checksum
  models history <model>               retrains (trigger, status, outcome) and alias moves (who, why, workflow)
  models alias <model> <alias> (--version N | --remove) [--by NAME] [--reason TEXT]
                                       point a user-defined alias (e.g. canary) at a version, or remove it
  models rollback <model> [--to N] [--by NAME] [--reason TEXT] [--force]
                                       move the champion back (default: to the previous champion),
                                       through the rollbackWorkflow; needs a running worker. A version
                                       that was rejected or failed its evaluation needs --force and --reason

Data and drift
  ingest <model> <file> [--format csv|jsonl]
                                       validate and store feature rows, streamed (CSV with a header row, or
                                       JSON lines: .jsonl/.ndjson); lists rejected rows by row and field
                                       and exits 3 when it rejected any (the valid rows are still stored)
  check <model>                        run a drift check now, through the model's monitor workflow
  drift history <model> [--limit N]    stored drift reports, newest first (default 20)
  drift show <report-id>               one stored drift report: verdict, reasons, a table per feature and
                                       the link to its page (served by 'driftwatch serve')
  alerts <model> [--limit N]           alert deliveries, newest first: route, event, status (delivered,
                                       failing, suppressed), attempts, last error

Monitoring schedule (one per model, overlap policy SKIP)
  schedule create <model> [--every 1h | --cron "0 * * * *"]
                                       default timing: the config's monitoring.schedule
  schedule delete|trigger|pause|unpause <model>

Retraining
  retrain <model> [--by NAME] [--reason TEXT] [--wait]
                                       bootstrap when there is no champion, else manual;
                                       --wait follows the stages and prints the result. A model named
                                       'cancel' is retrained with 'retrain -- cancel'
  retrain cancel <model> [--reason TEXT]
                                       ask the running retrain to stop; it releases its claim, withdraws
                                       its candidates and sends retrain_cancelled
  approve|reject <model> --version N [--by NAME] [--reason TEXT]
                                       decide on a challenger that awaits approval (approval.required)
  trials <model> [--retrain RUN_ID] [--runs N]
                                       tuning trials of the latest N retrains (default 1) or of one:
                                       parameters, validation loss, status (completed, pruned, failed)
  status <model>                       schedule, monitor and retrain state

HTTP service
  serve [--port N] [--host H]          the REST API (/api/v1, OpenAPI at /openapi.json) and the pages;
                                       every request needs an API key (default 127.0.0.1:8080)
  keys create --role read|operate|admin [--name NAME]
                                       create an API key; it is printed once, only its hash is stored
  keys list                            API keys: id, name, role, created, last used, revoked
  keys revoke <id>                     revoke an API key

Processes
  worker [--roles orchestration,training]
                                       run workflows and training (default: both roles)
  server start|stop|status             the local Temporal dev server (status exits 1 if it does not answer)

Configuration
  config schema                        the model config's JSON Schema (for editors; also in
                                       schemas/model-config.schema.json)

Options
  --json                               machine-readable output on stdout
  -h, --help                           this text; after a command, only that command's (retrain --help)
  -V, --version                        the driftwatch version

Exit codes: 0 ok, 1 error, 2 usage error, 3 ingest rejected rows (the valid rows are stored)

Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_UI_URL, DRIFTWATCH_TASK_QUEUE,
DRIFTWATCH_HOME, DRIFTWATCH_WORKER_ROLES, DRIFTWATCH_CONFIG_MAX_BYTES (default 1000000), DRIFTWATCH_SERVICE_HOST,
DRIFTWATCH_SERVICE_PORT, DRIFTWATCH_SERVICE_INGEST_MAX_BYTES (default 10000000)`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  every: { type: 'string' },
  cron: { type: 'string' },
  by: { type: 'string' },
  reason: { type: 'string' },
  wait: { type: 'boolean' },
  limit: { type: 'string' },
  roles: { type: 'string' },
  retrain: { type: 'string' },
  runs: { type: 'string' },
  to: { type: 'string' },
  version: { type: 'string' },
  remove: { type: 'boolean' },
  force: { type: 'boolean' },
  format: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

interface Command {
  args: string[];
  options?: OptionName[];
  run(ctx: CliContext, args: string[], values: Values): Promise<void>;
}

const arg = (args: string[], index: number): string => args[index]!;

const COMMANDS: Record<string, Command> = {
  'models register': { args: ['config.yaml'], run: (ctx, a) => data.modelsRegister(ctx, arg(a, 0)) },
  'models list': { args: [], run: (ctx) => data.modelsList(ctx) },
  'models show': {
    args: ['model'], options: ['version'],
    run: (ctx, a, v) => (v.version === undefined
      ? data.modelsShow(ctx, arg(a, 0))
      : data.versionShow(ctx, arg(a, 0), positiveInteger('--version', v.version, 1))),
  },
  'models history': { args: ['model'], run: (ctx, a) => data.modelsHistory(ctx, arg(a, 0)) },
  'models alias': {
    args: ['model', 'alias'], options: ['version', 'remove', 'by', 'reason'],
    run: (ctx, a, v) => {
      if ((v.version === undefined) === (v.remove === undefined)) throw new UsageError('give either --version N or --remove');
      return data.modelsAlias(ctx, arg(a, 0), arg(a, 1), {
        version: v.version === undefined ? null : positiveInteger('--version', v.version, 1),
        ...(v.by === undefined ? {} : { by: v.by }), ...(v.reason === undefined ? {} : { reason: v.reason }),
      });
    },
  },
  'models rollback': {
    args: ['model'], options: ['to', 'by', 'reason', 'force'],
    run: (ctx, a, v) => {
      if (v.force && !v.reason?.trim()) throw new UsageError('--force needs --reason: say why a version that was turned down should serve');
      return workflows.rollback(ctx, arg(a, 0), {
        ...(v.to === undefined ? {} : { to: positiveInteger('--to', v.to, 1) }),
        ...(v.by === undefined ? {} : { by: v.by }), ...(v.reason === undefined ? {} : { reason: v.reason }), force: v.force ?? false,
      });
    },
  },
  ingest: {
    args: ['model', 'file'], options: ['format'],
    run: (ctx, a, v) => {
      if (v.format !== undefined && v.format !== 'csv' && v.format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got '${v.format}'`);
      return data.ingest(ctx, arg(a, 0), arg(a, 1), v.format);
    },
  },
  check: { args: ['model'], run: (ctx, a) => workflows.check(ctx, arg(a, 0)) },
  alerts: {
    args: ['model'], options: ['limit'],
    run: (ctx, a, v) => data.alertDeliveries(ctx, arg(a, 0), positiveInteger('--limit', v.limit, 20)),
  },
  'drift show': {
    args: ['report-id'],
    run: (ctx, a) => data.driftShow(ctx, positiveInteger('<report-id>', arg(a, 0), 1)),
  },
  'drift history': {
    args: ['model'], options: ['limit'],
    run: (ctx, a, v) => data.driftHistory(ctx, arg(a, 0), positiveInteger('--limit', v.limit, 20)),
  },
  'schedule create': {
    args: ['model'], options: ['every', 'cron'],
    run: (ctx, a, v) => {
      if (v.every !== undefined && v.cron !== undefined) throw new UsageError('give either --every or --cron, not both');
      return workflows.scheduleCreate(ctx, arg(a, 0), { ...(v.every === undefined ? {} : { every: v.every }), ...(v.cron === undefined ? {} : { cron: v.cron }) });
    },
  },
  'schedule delete': { args: ['model'], run: (ctx, a) => workflows.scheduleDelete(ctx, arg(a, 0)) },
  'schedule trigger': { args: ['model'], run: (ctx, a) => workflows.scheduleTrigger(ctx, arg(a, 0)) },
  'schedule pause': { args: ['model'], run: (ctx, a) => workflows.schedulePause(ctx, arg(a, 0)) },
  'schedule unpause': { args: ['model'], run: (ctx, a) => workflows.scheduleUnpause(ctx, arg(a, 0)) },
  retrain: {
    args: ['model'], options: ['by', 'reason', 'wait'],
    run: (ctx, a, v) => workflows.retrain(ctx, arg(a, 0), {
      ...(v.by === undefined ? {} : { by: v.by }), ...(v.reason === undefined ? {} : { reason: v.reason }), wait: v.wait ?? false,
    }),
  },
  'retrain cancel': {
    args: ['model'], options: ['reason'],
    run: (ctx, a, v) => workflows.retrainCancel(ctx, arg(a, 0), v.reason === undefined ? {} : { reason: v.reason }),
  },
  approve: {
    args: ['model'], options: ['version', 'by', 'reason'],
    run: (ctx, a, v) => workflows.decideApproval(ctx, arg(a, 0), 'approve', approvalFlags(v)),
  },
  reject: {
    args: ['model'], options: ['version', 'by', 'reason'],
    run: (ctx, a, v) => workflows.decideApproval(ctx, arg(a, 0), 'reject', approvalFlags(v)),
  },
  trials: {
    args: ['model'], options: ['retrain', 'runs'],
    run: (ctx, a, v) => data.trials(ctx, arg(a, 0), {
      ...(v.retrain === undefined ? {} : { retrainId: v.retrain }), limitRuns: positiveInteger('--runs', v.runs, 1),
    }),
  },
  status: { args: ['model'], run: (ctx, a) => workflows.status(ctx, arg(a, 0)) },
  serve: {
    args: [], options: ['port', 'host'],
    run: (ctx, _a, v) => service.serve(ctx, {
      ...(v.port === undefined ? {} : { port: portNumber('--port', v.port) }), ...(v.host === undefined ? {} : { host: v.host }),
    }),
  },
  'keys create': {
    args: [], options: ['role', 'name'],
    run: (ctx, _a, v) => {
      if (v.role === undefined) throw new UsageError(`--role is required: one of ${ROLES.join(', ')}`);
      if (!isRole(v.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got '${v.role}'`);
      return service.keysCreate(ctx, { role: v.role, ...(v.name === undefined ? {} : { name: v.name }) });
    },
  },
  'keys list': { args: [], run: (ctx) => service.keysList(ctx) },
  'keys revoke': { args: ['id'], run: (ctx, a) => service.keysRevoke(ctx, arg(a, 0)) },
  worker: { args: [], options: ['roles'], run: (ctx, _a, v) => processes.worker(ctx, v.roles) },
  'config schema': {
    args: [],
    run: async () => {
      process.stdout.write(`${JSON.stringify(modelConfigJsonSchema(), null, 2)}\n`);
    },
  },
  'server start': { args: [], run: (ctx) => processes.serverStart(ctx) },
  'server stop': { args: [], run: (ctx) => processes.serverStop(ctx) },
  'server status': { args: [], run: (ctx) => processes.serverStatus(ctx) },
};

function approvalFlags(v: Values): { version: number; by?: string; reason?: string } {
  if (v.version === undefined) throw new UsageError('--version is required: the challenger version you decide on');
  return {
    version: positiveInteger('--version', v.version, 1),
    ...(v.by === undefined ? {} : { by: v.by }), ...(v.reason === undefined ? {} : { reason: v.reason }),
  };
}

/** Subcommands by group: 'models' -> ['register', 'list', ...]. */
const SUBCOMMANDS = new Map<string, string[]>();
for (const name of Object.keys(COMMANDS)) {
  const [group, subcommand] = name.split(' ') as [string, string | undefined];
  if (subcommand !== undefined) SUBCOMMANDS.set(group, [...(SUBCOMMANDS.get(group) ?? []), subcommand]);
}
const TOP_LEVEL = [...new Set(Object.keys(COMMANDS).map((name) => name.split(' ')[0]!))];

/** A command line naming no command there is: answered with a suggestion instead of the whole usage text. */
export class UnknownCommandError extends UsageError {
  /** `group` is the known group an unknown subcommand was given to ('models' of 'models rolback'). */
  constructor(word: string, known: readonly string[], group?: string) {
    const prefix = group === undefined ? '' : `${group} `;
    const suggestion = closestMatch(word, known);
    super(`unknown command '${prefix}${word}'${suggestion === null ? '' : `; did you mean '${prefix}${suggestion}'?`}`);
  }
}

interface Invocation { name: string; command: Command; args: string[]; values: Values }

export type CommandLine = { kind: 'help'; text: string } | { kind: 'version' } | ({ kind: 'run' } & Invocation);

/** Resolves argv to what to do; throws UsageError for anything it cannot run. */
export function parseCommandLine(argv: string[]): CommandLine {
  // Checked first: --version is also models show's option that takes a value.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return { kind: 'version' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    // Node's own text goes on about '--' after the first sentence; one line is enough here.
    throw new UsageError(errorText(err).split('. To specify')[0]!);
  }
  const { values, positionals, tokens } = parsed;
  const helpWord = positionals[0] === 'help';
  const words = helpWord ? positionals.slice(1) : positionals;
  // Words after '--' are arguments, never subcommands: 'retrain -- cancel' retrains a model named cancel.
  const terminator = tokens.findIndex((token) => token.kind === 'option-terminator');
  const beforeTerminator = terminator < 0 ? positionals.length : tokens.slice(0, terminator).filter((t) => t.kind === 'positional').length;
  const subcommandAllowed = beforeTerminator - (helpWord ? 1 : 0) > 1;
  if (values.help || helpWord) {
    if (words.length === 0) return { kind: 'help', text: USAGE };
    const group = words.length === 1 && SUBCOMMANDS.has(words[0]!) ? words[0]! : commandName(words, subcommandAllowed);
    return { kind: 'help', text: commandHelp(USAGE, group.split(' ')) ?? USAGE };
  }
  if (words.length === 0) throw new UsageError('no command given');
  const name = commandName(words, subcommandAllowed);
  const command = COMMANDS[name]!;
  const args = positionals.slice(name.split(' ').length);
  if (args.length !== command.args.length) {
    const expected = command.args.length === 0 ? 'no arguments' : command.args.map((a) => `<${a}>`).join(' ');
    throw new UsageError(`'${name}' takes ${expected}, got ${args.length === 0 ? 'none' : args.map((a) => `'${a}'`).join(' ')}`, name);
  }
  const allowed = new Set<string>(['json', 'help', ...(command.options ?? [])]);
  const stray = Object.keys(values).filter((option) => !allowed.has(option));
  if (stray.length > 0) throw new UsageError(`'${name}' does not take ${stray.map((o) => `--${o}`).join(', ')}`, name);
  return { kind: 'run', name, command, args, values };
}

/** The COMMANDS key the words name; a group that is also a command ('retrain') runs it unless a subcommand follows. */
function commandName(words: readonly string[], subcommandAllowed: boolean): string {
  const [first, second] = words as [string, string | undefined];
  const subcommands = SUBCOMMANDS.get(first);
  if (subcommands && second !== undefined && subcommandAllowed && subcommands.includes(second)) return `${first} ${second}`;
  if (first in COMMANDS) return first;
  if (!subcommands) throw new UnknownCommandError(first, TOP_LEVEL);
  if (second === undefined) throw new UsageError(`'${first}' needs a subcommand: ${subcommands.join(', ')}`, first);
  throw new UnknownCommandError(second, subcommands, first);
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag}: expected a positive integer, got '${text}'`);
  return value;
}

function portNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`${flag}: expected a port number (0-65535), got '${text}'`);
  return value;
}

/** Runs one command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (err) {
    process.stderr.write(usageErrorText(err as UsageError));
    return 2;
  }
  if (commandLine.kind === 'version') {
    process.stdout.write(`driftwatch ${packageVersion()}\n`);
    return 0;
  }
  if (commandLine.kind === 'help') {
    process.stdout.write(`${commandLine.text}\n`);
    return 0;
  }
  let ctx: CliContext;
  try {
    ctx = new CliContext(loadSettings(), commandLine.values.json ?? false);
  } catch (err) {
    process.stderr.write(`driftwatch: ${errorText(err)}\n`);
    return 1;
  }
  try {
    await commandLine.command.run(ctx, commandLine.args, commandLine.values);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(usageErrorText(err, commandLine.name));
      return 2;
    }
    process.stderr.write(`driftwatch: ${describeError(err)}\n`);
    if (process.env.DRIFTWATCH_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

/** The error, then the usage of the command it concerns (all of it when that is unknown). */
function usageErrorText(err: UsageError, command = err.command): string {
  if (err instanceof UnknownCommandError) return `driftwatch: ${err.message}\nRun 'driftwatch --help' for every command.\n`;
  const usage = command === undefined ? USAGE : commandHelp(USAGE, command.split(' ')) ?? USAGE;
  return `driftwatch: ${err.message}\n\n${usage}\n`;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function describeError(err: unknown): string {
  // These carry complete messages of their own (a ConfigError lists every issue on its own line).
  if (err instanceof ConfigError || err instanceof CliError || err instanceof UnknownModelError || err instanceof CsvParseError
    || err instanceof OperationRefusedError) {
    return err.message;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if (code === 'ENOENT' && path) return `cannot read ${path}: no such file`;
  if (code === 'EACCES' && path) return `cannot read ${path}: permission denied`;
  if (code === 'EISDIR' && path) return `cannot read ${path}: it is a directory`;
  return errorText(err);
}

if (require.main === module) {
  // `driftwatch ... | head` closes stdout early: stop writing quietly instead of crashing.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`driftwatch: ${errorText(err)}\n`);
      process.exitCode = 1;
    },
  );
}
