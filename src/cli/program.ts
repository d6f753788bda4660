/**
 * The `driftwatch` command tree, built with commander: arguments, options, value checks, help with
 * examples, and suggestions for mistyped commands and options all come from here. Parsing only
 * selects what to run (an Invocation); src/cli.ts opens the database and Temporal connections and
 * runs it, so the tree can be parsed in tests and walked for shell completion without I/O.
 */
import { Argument, Command, InvalidArgumentError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { modelConfigJsonSchema } from '../config-schema';
import { ROLES } from '../service/api-keys';
import { completionScript, SHELLS } from './completion';
import type { CliContext } from './context';
import * as data from './data-commands';
import * as processes from './process-commands';
import * as service from './service-commands';
import * as workflows from './workflow-commands';

/** What a parsed command line asks for: the command's path ('models show'), its output mode and the work. */
export interface Invocation {
  command: string;
  /** The parsed arguments and options, as the command's action received them. */
  args: readonly unknown[];
  options: Readonly<Record<string, unknown>>;
  json: boolean;
  run(ctx: CliContext): Promise<void>;
}

export const EXIT_CODES = 'Exit codes: 0 ok, 1 error, 2 usage error, 3 ingest rejected rows (the valid rows are stored), 130 interrupted';

const FOOTER = `
${EXIT_CODES}

Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_UI_URL, DRIFTWATCH_TASK_QUEUE,
DRIFTWATCH_HOME, DRIFTWATCH_WORKER_ROLES, DRIFTWATCH_CONFIG_MAX_BYTES (default 1000000), DRIFTWATCH_SERVICE_HOST,
DRIFTWATCH_SERVICE_PORT, DRIFTWATCH_SERVICE_INGEST_MAX_BYTES (default 10000000), DRIFTWATCH_DEBUG=1 (stack traces)

Run 'driftwatch <command> --help' for a command's options and examples; 'driftwatch completion bash' for shell completion.`;

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer.');
  return value;
}

function portNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new InvalidArgumentError('expected a port number (0-65535).');
  return value;
}

function withExamples<C extends CommandUnknownOpts>(command: C, ...examples: string[]): C {
  command.addHelpText('after', `\nExamples:\n${examples.map((example) => `  $ driftwatch ${example}`).join('\n')}`);
  return command;
}

/** `--by` and `--reason` as every recorded decision takes them; absent flags stay absent. */
function attribution(options: { by?: string; reason?: string }): { by?: string; reason?: string } {
  return { ...(options.by === undefined ? {} : { by: options.by }), ...(options.reason === undefined ? {} : { reason: options.reason }) };
}

/**
 * Builds the command tree; `select` receives the Invocation of the command the arguments name.
 * Usage errors (unknown command or option, missing argument, invalid value) throw a CommanderError
 * after commander has written the message, since the program uses exitOverride.
 */
export function buildProgram(
  select: (invocation: Invocation) => void,
  version: string,
  output: { writeOut?: (text: string) => void; writeErr?: (text: string) => void } = {},
): CommandUnknownOpts {
  const program = new Command('driftwatch')
    .description('Drift-triggered retraining on Temporal and PostgreSQL: monitors, drift reports, retrains, a model registry.')
    .version(version, '-V, --version', 'the driftwatch version')
    .helpOption('-h, --help', "this text; after a command, only that command's")
    // Program options only before the command: models show keeps its own --version N.
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .showHelpAfterError("(add --help for the command's usage and examples)")
    .exitOverride()
    .addHelpText('after', FOOTER);
  program.configureOutput({ ...output, outputError: (text, write) => write(text.replace(/^error: /, 'driftwatch: ')) });

  /** A runnable command: --json, and the shared settings every command inherits from the program. */
  const leaf = (parent: CommandUnknownOpts, name: string, description: string, placement: { isDefault?: boolean } = {}) =>
    parent.command(name, placement).description(description).option('--json', 'machine-readable output on stdout');
  const run = (command: CommandUnknownOpts, json: boolean | undefined, work: (ctx: CliContext) => Promise<void>): void => {
    const path: string[] = [];
    for (let at: CommandUnknownOpts | null = command; at !== null && at.parent !== null; at = at.parent) path.unshift(at.name());
    select({ command: path.join(' '), args: command.processedArgs, options: command.opts(), json: json ?? false, run: work });
  };
  const group = (name: string, description: string, heading: string) => program.command(name).description(description).helpGroup(heading);

  // Models
  const models = group('models', 'models, versions and their lineage, aliases, rollbacks', 'Models:');
  withExamples(leaf(models, 'register', 'validate a model config and store it (creates the database if needed)')
    .argument('<config.yaml>', 'the model config (schema: driftwatch config schema)')
    .action(function (file, options) { run(this, options.json, (ctx) => data.modelsRegister(ctx, file)); }),
  'models register examples/seattle-weather.yaml');
  leaf(models, 'list', 'registered models and their champions')
    .action(function (options) { run(this, options.json, (ctx) => data.modelsList(ctx)); });
  withExamples(leaf(models, 'show', "config summary and versions, or one version's lineage: data window, retrain and drift report behind it, parameters, backend, metrics, decision, artifact and checksum")
    .argument('<model>')
    .option('--version <n>', "one version's lineage", positiveInteger)
    .action(function (model, options) {
      run(this, options.json, (ctx) => (options.version === undefined ? data.modelsShow(ctx, model) : data.versionShow(ctx, model, options.version)));
    }),
  'models show seattle-rain', 'models show seattle-rain --version 3 --json');
  leaf(models, 'history', 'retrains (trigger, status, outcome) and alias moves (who, why, workflow)')
    .argument('<model>')
    .action(function (model, options) { run(this, options.json, (ctx) => data.modelsHistory(ctx, model)); });
  withExamples(leaf(models, 'alias', 'point a user-defined alias (e.g. canary) at a version, or remove it')
    .argument('<model>').argument('<alias>')
    .addOption(new Option('--version <n>', 'the version the alias points at').argParser(positiveInteger).conflicts('remove'))
    .option('--remove', 'remove the alias')
    .option('--by <name>', 'who moves it (default: your user name)')
    .option('--reason <text>', 'why, kept in the alias history')
    .action(function (model, alias, options) {
      if (options.version === undefined && !options.remove) this.error('driftwatch: give either --version N or --remove', { exitCode: 2 });
      run(this, options.json, (ctx) => data.modelsAlias(ctx, model, alias, { version: options.version ?? null, ...attribution(options) }));
    }),
  'models alias seattle-rain canary --version 4 --reason "shadow traffic"', 'models alias seattle-rain canary --remove');
  withExamples(leaf(models, 'rollback', 'move the champion back (default: to the previous champion) through the rollbackWorkflow; needs a running worker. A version that was rejected or failed its evaluation needs --force and --reason')
    .argument('<model>')
    .option('--to <n>', 'the version to serve', positiveInteger)
    .option('--by <name>', 'who rolls back (default: your user name)')
    .option('--reason <text>', 'why, kept in the alias history')
    .option('--force', 'serve a version that was turned down (needs --reason)')
    .action(function (model, options) {
      if (options.force && !options.reason?.trim()) this.error('driftwatch: --force needs --reason: say why a version that was turned down should serve', { exitCode: 2 });
      run(this, options.json, (ctx) => workflows.rollback(ctx, model, {
        ...(options.to === undefined ? {} : { to: options.to }), ...attribution(options), force: options.force ?? false,
      }));
    }),
  'models rollback seattle-rain --reason "v5 misses storms"', 'models rollback seattle-rain --to 2 --force --reason "v3 and v4 broken"');

  // Data and drift
  withExamples(leaf(program, 'ingest', 'validate and store feature rows, streamed (CSV with a header row, or JSON lines: .jsonl/.ndjson); lists rejected rows by row and field and exits 3 when it rejected any (the valid rows are still stored)')
    .helpGroup('Data and drift:')
    .argument('<model>').argument('<file>')
    .addOption(new Option('--format <format>', 'the file format (default: from the file name)').choices(['csv', 'jsonl'] as const))
    .action(function (model, file, options) { run(this, options.json, (ctx) => data.ingest(ctx, model, file, options.format)); }),
  'ingest seattle-rain rows-2015-01.csv', 'ingest seattle-rain events.log --format jsonl');
  withExamples(leaf(program, 'check', "run a drift check now, through the model's monitor workflow")
    .helpGroup('Data and drift:')
    .argument('<model>')
    .option('--wait', 'print the stored report per feature with its page, and follow a retrain the check started (Ctrl-C stops following, not the retrain)')
    .action(function (model, options) { run(this, options.json, (ctx) => workflows.check(ctx, model, { wait: options.wait ?? false })); }),
  'check seattle-rain', 'check seattle-rain --wait');
  const drift = group('drift', 'stored drift reports', 'Data and drift:');
  leaf(drift, 'history', 'stored drift reports, newest first')
    .argument('<model>')
    .option('--limit <n>', 'how many', positiveInteger, 20)
    .action(function (model, options) { run(this, options.json, (ctx) => data.driftHistory(ctx, model, options.limit)); });
  withExamples(leaf(drift, 'show', "one stored drift report: verdict, reasons, a table per feature and the link to its page (served by 'driftwatch serve')")
    .argument('<report-id>', 'the id drift history and alerts print', positiveInteger)
    .action(function (reportId, options) { run(this, options.json, (ctx) => data.driftShow(ctx, reportId)); }),
  'drift show 42');
  leaf(program, 'alerts', 'alert deliveries, newest first: route, event, status (delivered, failing, suppressed), attempts, last error')
    .helpGroup('Data and drift:')
    .argument('<model>')
    .option('--limit <n>', 'how many', positiveInteger, 20)
    .action(function (model, options) { run(this, options.json, (ctx) => data.alertDeliveries(ctx, model, options.limit)); });

  // Monitoring schedule
  const schedule = group('schedule', 'the monitoring schedule (one per model, overlap policy SKIP)', 'Monitoring:');
  withExamples(leaf(schedule, 'create', "create the model's monitoring schedule (default timing: the config's monitoring.schedule)")
    .argument('<model>')
    .addOption(new Option('--every <interval>', 'an interval such as 1h or 15m').conflicts('cron'))
    .option('--cron <expression>', 'a cron expression such as "0 * * * *"')
    .action(function (model, options) {
      run(this, options.json, (ctx) => workflows.scheduleCreate(ctx, model, {
        ...(options.every === undefined ? {} : { every: options.every }), ...(options.cron === undefined ? {} : { cron: options.cron }),
      }));
    }),
  'schedule create seattle-rain --every 1h', 'schedule create seattle-rain --cron "0 6 * * *"');
  const scheduleActions = {
    delete: ['delete the schedule', workflows.scheduleDelete],
    trigger: ['run the scheduled check now', workflows.scheduleTrigger],
    pause: ['pause the schedule', workflows.schedulePause],
    unpause: ['resume the schedule', workflows.scheduleUnpause],
  } as const;
  for (const [name, [description, work]] of Object.entries(scheduleActions)) {
    leaf(schedule, name, description).argument('<model>')
      .action(function (model, options) { run(this, options.json, (ctx) => work(ctx, model)); });
  }

  // Retraining. `retrain <model>` is the default subcommand of retrain, so a model named cancel is `retrain start cancel`.
  const retrain = group('retrain', "retrain now ('retrain <model>' is 'retrain start <model>') or cancel the running retrain", 'Retraining:');
  withExamples(leaf(retrain, 'start', "retrain now: bootstrap when there is no champion, else manual ('retrain <model>' for short)", { isDefault: true })
    .argument('<model>')
    .option('--by <name>', 'who asks (default: your user name)')
    .option('--reason <text>', 'why, kept with the retrain')
    .option('--wait', 'follow the stages live and print the result; Ctrl-C stops following, not the retrain')
    .action(function (model, options) {
      run(this, options.json, (ctx) => workflows.retrain(ctx, model, { ...attribution(options), wait: options.wait ?? false }));
    }),
  'retrain seattle-rain --reason "new sensor" --wait', 'retrain start cancel          # a model named cancel');
  withExamples(leaf(retrain, 'cancel', 'ask the running retrain to stop; it releases its claim, withdraws its candidates and sends retrain_cancelled')
    .argument('<model>')
    .option('--reason <text>', 'why, sent with retrain_cancelled')
    .action(function (model, options) {
      run(this, options.json, (ctx) => workflows.retrainCancel(ctx, model, options.reason === undefined ? {} : { reason: options.reason }));
    }),
  'retrain cancel seattle-rain --reason "wrong data window"');
  for (const decision of ['approve', 'reject'] as const) {
    withExamples(leaf(program, decision, `${decision} a challenger that awaits approval (approval.required)`)
      .helpGroup('Retraining:')
      .argument('<model>')
      .requiredOption('--version <n>', 'the challenger version you decide on', positiveInteger)
      .option('--by <name>', 'who decides (default: your user name)')
      .option('--reason <text>', 'why, kept with the decision')
      .action(function (model, options) {
        run(this, options.json, (ctx) => workflows.decideApproval(ctx, model, decision, { version: options.version, ...attribution(options) }));
      }),
    `${decision} seattle-rain --version 5 --reason "checked the report"`);
  }
  leaf(program, 'trials', 'tuning trials of the latest retrains, or of one: parameters, validation loss, status (completed, pruned, failed)')
    .helpGroup('Retraining:')
    .argument('<model>')
    .option('--retrain <run-id>', "one retrain's trials")
    .option('--runs <n>', 'how many of the latest retrains', positiveInteger, 1)
    .action(function (model, options) {
      run(this, options.json, (ctx) => data.trials(ctx, model, { ...(options.retrain === undefined ? {} : { retrainId: options.retrain }), limitRuns: options.runs }));
    });
  leaf(program, 'status', 'schedule, monitor and retrain state')
    .helpGroup('Retraining:')
    .argument('<model>')
    .action(function (model, options) { run(this, options.json, (ctx) => workflows.status(ctx, model)); });

  // HTTP service
  withExamples(leaf(program, 'serve', 'the REST API (/api/v1, OpenAPI at /openapi.json) and the pages; every request needs an API key')
    .helpGroup('HTTP service:')
    .option('--port <n>', 'port (default: DRIFTWATCH_SERVICE_PORT or 8080)', portNumber)
    .option('--host <host>', 'address (default: DRIFTWATCH_SERVICE_HOST or 127.0.0.1)')
    .action(function (options) {
      run(this, options.json, (ctx) => service.serve(ctx, {
        ...(options.port === undefined ? {} : { port: options.port }), ...(options.host === undefined ? {} : { host: options.host }),
      }));
    }),
  'serve --host 0.0.0.0 --port 8080');
  const keys = group('keys', 'API keys of the HTTP service', 'HTTP service:');
  withExamples(leaf(keys, 'create', 'create an API key; it is printed once, only its hash is stored')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'a label for the key list')
    .action(function (options) {
      run(this, options.json, (ctx) => service.keysCreate(ctx, { role: options.role, ...(options.name === undefined ? {} : { name: options.name }) }));
    }),
  'keys create --role read --name grafana');
  leaf(keys, 'list', 'API keys: id, name, role, created, last used, revoked')
    .action(function (options) { run(this, options.json, (ctx) => service.keysList(ctx)); });
  leaf(keys, 'revoke', 'revoke an API key').argument('<id>')
    .action(function (id, options) { run(this, options.json, (ctx) => service.keysRevoke(ctx, id)); });

  // Processes
  withExamples(leaf(program, 'worker', 'run workflows and training')
    .helpGroup('Processes:')
    .option('--roles <roles>', 'orchestration, training or both, comma-separated (default: DRIFTWATCH_WORKER_ROLES or both)')
    .action(function (options) { run(this, options.json, (ctx) => processes.worker(ctx, options.roles)); }),
  'worker', 'worker --roles training');
  const server = group('server', 'the local Temporal dev server', 'Processes:');
  const serverActions = {
    start: ['start the local Temporal dev server', processes.serverStart],
    stop: ['stop it', processes.serverStop],
    status: ['whether it answers (exits 1 if not)', processes.serverStatus],
  } as const;
  for (const [name, [description, work]] of Object.entries(serverActions)) {
    leaf(server, name, description).action(function (options) { run(this, options.json, (ctx) => work(ctx)); });
  }

  // Configuration and the shell
  const config = group('config', 'the model config', 'Configuration:');
  config.command('schema').description("the model config's JSON Schema (for editors; also in schemas/model-config.schema.json)")
    .action(function () {
      run(this, false, async () => { process.stdout.write(`${JSON.stringify(modelConfigJsonSchema(), null, 2)}\n`); });
    });
  withExamples(program.command('completion').description('a shell completion script for bash, zsh or fish')
    .helpGroup('Configuration:')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(function (shell) {
      run(this, false, async () => { process.stdout.write(completionScript(program, shell)); });
    }),
  'completion bash > ~/.local/share/bash-completion/completions/driftwatch', 'completion zsh > "${fpath[1]}/_driftwatch"',
  'completion fish > ~/.config/fish/completions/driftwatch.fish');

  // The overview lists groups by their subcommands, so the whole CLI shows in one screen.
  for (const command of program.commands) {
    const names = command.commands.filter((child) => child.name() !== 'help').map((child) => child.name());
    if (names.length > 0) command.summary(`${names.join(', ')}: ${command.description()}`);
  }
  return program;
}
