/**
 * The `driftwatch` command line. Readable text by default, `--json` for scripts; errors are one
 * line `driftwatch: <message>` on stderr with exit code 1, usage errors exit 2 with a hint, and an
 * ingest that rejected rows exits 3. The command tree is src/cli/program.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError } from '@commander-js/extra-typings';
import { CliContext, CliError } from './cli/context';
import { buildProgram, type Invocation } from './cli/program';
import { ConfigError } from './config';
import { errorText, UnknownModelError } from './errors';
import { CsvParseError } from './ingest/csv';
import { OperationRefusedError } from './operations';
import { loadSettings } from './settings';

/** What the command line asks for: run a command, or exit (help, --version and usage errors, already answered by commander). */
export type CommandLine = { kind: 'run'; invocation: Invocation } | { kind: 'exit'; code: number };

/** Parses argv; help, the version and usage errors are written here and come back as an exit code. */
export function parseCommandLine(argv: string[]): CommandLine {
  let selected: Invocation | undefined;
  const program = buildProgram((invocation) => {
    selected = invocation;
  }, packageVersion());
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help asked for, or the version: 0. A bare `driftwatch` (help printed for want of a command) and real usage errors: 2.
    return { kind: 'exit', code: err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2 };
  }
  if (selected === undefined) throw new Error(`no command ran for: ${argv.join(' ')}`);
  return { kind: 'run', invocation: selected };
}

/** Runs one command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv);
  if (commandLine.kind === 'exit') return commandLine.code;
  const { invocation } = commandLine;
  let ctx: CliContext;
  try {
    ctx = new CliContext(loadSettings(), invocation.json);
  } catch (err) {
    process.stderr.write(`driftwatch: ${errorText(err)}\n`);
    return 1;
  }
  try {
    await invocation.run(ctx);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    process.stderr.write(`driftwatch: ${describeError(err)}\n`);
    if (process.env.DRIFTWATCH_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
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
