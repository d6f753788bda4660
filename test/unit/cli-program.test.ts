import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommanderError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion';
import { featureDriftTable, num, scoreText } from '../../src/cli/format';
import { buildProgram, type Invocation } from '../../src/cli/program';

interface Parsed { invocation?: Invocation; exitCode?: string; out: string; err: string }

/** Parses a command line as the CLI does, capturing what commander writes. */
function parse(...argv: string[]): Parsed {
  const parsed: Parsed = { out: '', err: '' };
  const program = buildProgram((invocation) => {
    parsed.invocation = invocation;
  }, '9.8.7', {
    writeOut: (text) => {
      parsed.out += text;
    },
    writeErr: (text) => {
      parsed.err += text;
    },
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    parsed.exitCode = err.code;
  }
  return parsed;
}

describe('the command line', () => {
  it('gives each command its own help with examples, and the overview every group with its subcommands', () => {
    const retrain = parse('retrain', 'start', '--help');
    expect(retrain.exitCode).toBe('commander.helpDisplayed');
    expect(retrain.out).toContain('Usage: driftwatch retrain start [options] <model>');
    expect(retrain.out).toMatch(/--wait\s+follow the stages live/);
    expect(retrain.out).toContain('$ driftwatch retrain seattle-rain --reason "new sensor" --wait');
    expect(retrain.out).not.toContain('approve');
    const overview = parse('--help').out;
    expect(overview).toMatch(/models\s+register, list, show, history, alias,\s+rollback:/);
    expect(overview).toContain('Exit codes: 0 ok, 1 error, 2 usage error, 3 ingest rejected rows');
    expect(parse('help', 'drift').out).toContain('Usage: driftwatch drift [options] [command]');
  });

  it('answers --version and -V before a command, while models show keeps its --version N', () => {
    expect(parse('--version')).toMatchObject({ exitCode: 'commander.version', out: '9.8.7\n' });
    expect(parse('-V').out).toBe('9.8.7\n');
    expect(parse('models', 'show', 'm', '--version', '3').invocation).toMatchObject({ command: 'models show', args: ['m'], options: { version: 3 } });
  });

  it('suggests the closest command, subcommand or option', () => {
    expect(parse('retrian', 'm')).toMatchObject({ exitCode: 'commander.unknownCommand' });
    expect(parse('retrian', 'm').invocation).toBeUndefined();
    expect(parse('retrian', 'm').err).toContain("driftwatch: unknown command 'retrian'\n(Did you mean retrain?)");
    expect(parse('models', 'rolback', 'm').err).toContain('(Did you mean rollback?)');
    expect(parse('models', 'list', '--jsn').err).toContain('(Did you mean --json?)');
    expect(parse('reports', 'm').err).not.toContain('Did you mean');
  });

  it('checks values and combinations before anything runs', () => {
    expect(parse('drift', 'history', 'm', '--limit', '0').err).toContain("argument '0' is invalid. expected a positive integer.");
    expect(parse('ingest', 'm', 'f.csv', '--format', 'xml').err).toContain('Allowed choices are csv, jsonl.');
    expect(parse('keys', 'create').err).toContain("required option '--role <role>' not specified");
    expect(parse('approve', 'm').err).toContain("required option '--version <n>' not specified");
    expect(parse('models', 'alias', 'm', 'canary').err).toContain('give either --version N or --remove');
    expect(parse('models', 'alias', 'm', 'canary', '--version', '2', '--remove').err).toContain('cannot be used with option');
    expect(parse('models', 'rollback', 'm', '--force').err).toContain('--force needs --reason');
    expect(parse('models', 'list', 'extra').exitCode).toBe('commander.excessArguments');
    expect(parse('serve', '--port', '70000').err).toContain('expected a port number');
  });

  it('runs retrain <model> as retrain start, and keeps retrain cancel a subcommand', () => {
    expect(parse('retrain', 'm', '--wait').invocation).toMatchObject({ command: 'retrain start', args: ['m'], options: { wait: true } });
    expect(parse('retrain', 'start', 'cancel').invocation).toMatchObject({ command: 'retrain start', args: ['cancel'] });
    expect(parse('retrain', 'cancel', 'm', '--reason', 'wrong data').invocation)
      .toMatchObject({ command: 'retrain cancel', args: ['m'], options: { reason: 'wrong data' } });
    expect(parse('retrain', 'cancel').err).toContain("missing required argument 'model'");
  });

  it('passes defaults and --json through to the invocation', () => {
    expect(parse('drift', 'history', 'm').invocation).toMatchObject({ options: { limit: 20 }, json: false });
    expect(parse('check', 'm', '--wait', '--json').invocation).toMatchObject({ command: 'check', options: { wait: true }, json: true });
  });
});

describe('shell completion', () => {
  const program = buildProgram(() => undefined, '0.0.0');

  /** What bash offers after the words (the last one is being completed). */
  function bashCompletes(...words: string[]): string[] {
    const quotedWords = words.map((word) => `'${word}'`).join(' ');
    const script = `${completionScript(program, 'bash')}
COMP_WORDS=(driftwatch ${quotedWords}); COMP_CWORD=${words.length}; _driftwatch; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');
  }

  it('completes commands, subcommands, flags and fixed values in bash', () => {
    expect(bashCompletes('mo')).toEqual(['models']);
    expect(bashCompletes('models', 'r')).toEqual(['register', 'rollback']);
    expect(bashCompletes('retrain', '')).toEqual(['start', 'cancel']);
    expect(bashCompletes('retrain', 'start', 'm', '--w')).toEqual(['--wait']);
    expect(bashCompletes('ingest', 'm', 'f.csv', '--format', '')).toEqual(['csv', 'jsonl']);
    expect(bashCompletes('keys', 'create', '--role', '')).toEqual(['read', 'operate', 'admin']);
    expect(bashCompletes('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // A model name or a file: nothing from driftwatch, so the shell completes file names.
    expect(bashCompletes('ingest', 'm', '')).toEqual([]);
  });

  it('completes in fish with descriptions', () => {
    const script = path.join(mkdtempSync(path.join(tmpdir(), 'driftwatch-fish-')), 'driftwatch.fish');
    writeFileSync(script, completionScript(program, 'fish'));
    const fishCompletes = (line: string): string[] => execFileSync('fish', ['-c', `source ${script}; complete -C '${line}'`], { encoding: 'utf8' })
      .split('\n').filter((entry) => entry !== '');
    expect(fishCompletes('driftwatch mo')).toEqual(['models\tmodels, versions and their lineage, aliases, rollbacks']);
    expect(fishCompletes('driftwatch models r').map((entry) => entry.split('\t')[0])).toEqual(['register', 'rollback']);
    expect(fishCompletes('driftwatch ingest m f.csv --format ')).toEqual(['csv', 'jsonl']);
    expect(fishCompletes('driftwatch retrain start m --w')).toEqual(['--wait']);
    const fish = completionScript(program, 'fish');
    expect(fish).toContain(`-a 'models' -d 'models, versions and their lineage, aliases, rollbacks'`);
    expect(fish).toContain(`complete -c driftwatch -n "__driftwatch_at 'ingest'" -l format -x -a 'csv jsonl'`);
    expect(fish).toContain(`-a 'schema' -d 'the model config\\'s JSON Schema'`);
  });

  it('completes in zsh with descriptions, files where no fixed value applies', () => {
    // compadd, _describe and _files stubbed to print their candidates: the script's own logic, without zsh's menu.
    const stubs = `compdef() { :; }
compadd() { shift; print -l -- "$@"; }
_describe() { for c in \${(P)\${@[-1]}}; do print -- "\${c%%:*}"; done; }
_files() { print -- '<files>'; }`;
    const zshCompletes = (...words: string[]): string[] => execFileSync('zsh', ['-c', `${stubs}
${completionScript(program, 'zsh')}
words=(driftwatch ${words.map((word) => `'${word}'`).join(' ')}); CURRENT=${words.length + 1}; _driftwatch`], { encoding: 'utf8' })
      .split('\n').filter((line) => line !== '');
    expect(zshCompletes('models', 'r')).toEqual(['register', 'list', 'show', 'history', 'alias', 'rollback']);
    expect(zshCompletes('ingest', 'm', 'f.csv', '--format', '')).toEqual(['csv', 'jsonl']);
    expect(zshCompletes('ingest', 'm', '')).toEqual(['<files>']);
    expect(completionScript(program, 'zsh')).toMatch(/'models:models, versions and their lineage, aliases, rollbacks'/);
  });
});

describe('scores in tables', () => {
  it('prints p-values under 0.001 in scientific notation, never as 0.0000', () => {
    expect(scoreText(3.4e-7, 'p_value')).toBe('3.4e-7');
    expect(scoreText(0.00099, 'p_value')).toBe('9.9e-4');
    expect(scoreText(0, 'p_value')).toBe('0');
    expect(scoreText(0.0123, 'p_value')).toBe('0.0123');
    expect(scoreText(null, 'p_value')).toBe('-');
  });

  it('keeps fixed decimals for distances', () => {
    expect(scoreText(0.00001, 'distance')).toBe(num(0.00001));
    expect(scoreText(0.2345678, 'distance')).toBe('0.2346');
  });

  it('right-aligns a score column that mixes fixed and scientific notation', () => {
    const text = featureDriftTable([
      { feature: 'temp_f', test: 'ks', scoreKind: 'p_value', score: 3.4e-7, threshold: 0.05, psi: 1.25, drifted: true, status: 'ok' },
      { feature: 'humidity', test: 'ks', scoreKind: 'p_value', score: 0.4321, threshold: 0.05, psi: 0.01, drifted: false, status: 'ok' },
    ]);
    const [header, , first, second] = text.split('\n');
    expect(header).toMatch(/^feature\s+test\s+score\s+threshold\s+PSI\s+drifted\s+status$/);
    expect(first).toContain(' 3.4e-7 ');
    expect(second).toContain(' 0.4321 ');
    expect(first!.indexOf('3.4e-7') + '3.4e-7'.length).toBe(second!.indexOf('0.4321') + '0.4321'.length);
  });
});
