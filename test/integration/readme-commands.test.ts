/**
 * Every driftwatch command the README shows exists: each one's `--help` exits 0 and prints that
 * command's usage, so a command renamed or removed from the CLI fails here until the README
 * follows. --help needs no database or Temporal.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** A shown command line's leading words, up to the first that is an argument, option or placeholder. */
const WORD = /^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/;
const CODE_LINE = /^\s*(?:\$\s+)?(?:bin\/)?driftwatch\s+(.+)$/;
const INLINE = /`(?:bin\/)?driftwatch ([^`]+)`/g;

/** The command lines shown in code blocks and in inline code, without the program name. */
function readmeCommandLines(markdown: string): string[] {
  const lines: string[] = [];
  let inBlock = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock) {
      const match = CODE_LINE.exec(line);
      if (match) lines.push(match[1]!.split('#')[0]!.trim());
    } else {
      for (const match of line.matchAll(INLINE)) lines.push(match[1]!.trim());
    }
  }
  return lines;
}

/**
 * The commands to ask for help: the first two words (the second may be a subcommand or the model),
 * one per alternative ('schedule pause|unpause x' asks for 'schedule pause' and 'schedule unpause').
 */
function commandsOf(commandLine: string): string[][] {
  const leading: string[] = [];
  for (const word of commandLine.split(/\s+/)) {
    if (!WORD.test(word) || leading.length === 2) break;
    leading.push(word);
  }
  if (leading.length === 0) return [];
  const [first, second] = leading.map((w) => w.split('|')) as [string[], string[] | undefined];
  return first.flatMap((f) => (second ?? [undefined]).map((s) => (s === undefined ? [f] : [f, s])));
}

const PROGRAM = buildProgram(() => undefined, '0.0.0');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const COMMANDS = [...new Map(readmeCommandLines(README).flatMap(commandsOf).map((c) => [c.join(' '), c])).values()];

describe('the commands the README shows', () => {
  it('are found in the README', () => {
    const names = COMMANDS.map((c) => c.join(' '));
    expect(names.length).toBeGreaterThan(20);
    for (const shown of ['ingest my-model', 'drift show', 'retrain cancel', 'models rollback', 'keys create', 'schedule pause']) {
      expect(names).toContain(shown);
    }
  });

  it.concurrent.each(COMMANDS.map((c) => [c.join(' '), c] as const))('driftwatch %s --help prints its usage', async (_name, command) => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...command, '--help'], { cwd: ROOT, timeout: 60_000 });
    const group = PROGRAM.commands.find((c) => c.name() === command[0]);
    expect(group, `'${command[0]}' is not a driftwatch command`).toBeDefined();
    const subcommand = group!.commands.find((c) => c.name() === command[1]);
    expect(stdout).toMatch(new RegExp(`^Usage: driftwatch ${command[0]}${subcommand ? ` ${command[1]}` : ''}( |$)`, 'm'));
    // The command's own help, not the overview.
    expect(stdout).not.toContain('Data and drift:');
  });
});
