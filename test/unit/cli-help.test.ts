import { describe, expect, it } from 'vitest';
import { parseCommandLine, USAGE, UnknownCommandError } from '../../src/cli';
import { featureDriftTable, num, scoreText } from '../../src/cli/format';
import { closestMatch, commandHelp, editDistance } from '../../src/cli/help';

const FOOTER = 'Exit codes: 0 ok, 1 error, 2 usage error, 3 ingest rejected rows';

describe('per-command help drawn from the usage text', () => {
  it('gives a command its own entries and the shared footer, nothing of the others', () => {
    const help = commandHelp(USAGE, ['retrain'])!;
    expect(help).toContain('  retrain <model> [--by NAME] [--reason TEXT] [--wait]');
    expect(help).toContain('--wait follows the stages and prints the result');
    expect(help).toContain('  retrain cancel <model> [--reason TEXT]');
    expect(help).toContain('-V, --version');
    expect(help).toContain(FOOTER);
    expect(help).toContain('Environment: DATABASE_URL');
    expect(help).not.toContain('approve|reject');
    expect(help).not.toContain('models register');
    expect(help).not.toContain('Retraining');
  });

  it('gives a subcommand only its entry, continuation lines included', () => {
    const help = commandHelp(USAGE, ['models', 'rollback'])!;
    expect(help).toContain('models rollback <model> [--to N]');
    expect(help).toContain('that was rejected or failed its evaluation needs --force and --reason');
    expect(help).not.toContain('models alias');
    expect(help).not.toContain('models list');
  });

  it('gives a group all its subcommands, and matches one alternative of an entry', () => {
    const keys = commandHelp(USAGE, ['keys'])!;
    for (const entry of ['keys create --role', 'keys list', 'keys revoke <id>']) expect(keys).toContain(entry);
    expect(keys).not.toContain('serve [--port N]');
    expect(commandHelp(USAGE, ['schedule', 'pause'])).toContain('schedule delete|trigger|pause|unpause <model>');
    expect(commandHelp(USAGE, ['approve'])).toContain('approve|reject <model> --version N');
  });

  it('finds nothing for a command the usage text does not describe', () => {
    expect(commandHelp(USAGE, ['reports'])).toBeNull();
    expect(commandHelp(USAGE, ['models', 'delete'])).toBeNull();
  });
});

describe('the command line', () => {
  it('answers --help after a command, group or subcommand with that help, and bare --help with everything', () => {
    expect(parseCommandLine(['retrain', '--help'])).toEqual({ kind: 'help', text: commandHelp(USAGE, ['retrain']) });
    expect(parseCommandLine(['models', 'rollback', 'm', '-h'])).toEqual({ kind: 'help', text: commandHelp(USAGE, ['models', 'rollback']) });
    expect(parseCommandLine(['keys', '--help'])).toEqual({ kind: 'help', text: commandHelp(USAGE, ['keys']) });
    expect(parseCommandLine(['help', 'drift', 'show'])).toEqual({ kind: 'help', text: commandHelp(USAGE, ['drift', 'show']) });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', text: USAGE });
  });

  it('answers --version and -V alone, while models show keeps its --version N', () => {
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['-V'])).toEqual({ kind: 'version' });
    const show = parseCommandLine(['models', 'show', 'm', '--version', '3']);
    expect(show.kind === 'run' && show.values.version).toBe('3');
  });

  it('suggests the closest command or subcommand, and nothing when none is close', () => {
    expect(() => parseCommandLine(['retrian', 'm'])).toThrow(UnknownCommandError);
    expect(() => parseCommandLine(['retrian', 'm'])).toThrow("unknown command 'retrian'; did you mean 'retrain'?");
    expect(() => parseCommandLine(['models', 'rolback', 'm'])).toThrow("unknown command 'models rolback'; did you mean 'models rollback'?");
    expect(() => parseCommandLine(['sheduel', 'pause', 'm'])).toThrow("did you mean 'schedule'?");
    expect(() => parseCommandLine(['reports', 'm'])).toThrow(/^unknown command 'reports'$/);
  });

  it('dispatches retrain cancel as a subcommand, and retrain -- cancel as a retrain of a model named cancel', () => {
    const cancel = parseCommandLine(['retrain', 'cancel', 'm', '--reason', 'wrong data']);
    expect(cancel.kind === 'run' && [cancel.name, cancel.args, cancel.values.reason]).toEqual(['retrain cancel', ['m'], 'wrong data']);
    const retrain = parseCommandLine(['retrain', 'm', '--wait']);
    expect(retrain.kind === 'run' && [retrain.name, retrain.args]).toEqual(['retrain', ['m']]);
    const named = parseCommandLine(['retrain', '--', 'cancel']);
    expect(named.kind === 'run' && [named.name, named.args]).toEqual(['retrain', ['cancel']]);
    expect(() => parseCommandLine(['retrain', 'cancel'])).toThrow("'retrain cancel' takes <model>, got none");
  });
});

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    expect(editDistance('retrain', 'retrain')).toBe(0);
    expect(editDistance('retrian', 'retrain')).toBe(1);
    expect(editDistance('chek', 'check')).toBe(1);
    expect(editDistance('checks', 'check')).toBe(1);
    expect(editDistance('kays', 'keys')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('serve', 'server')).toBe(1);
  });

  it('picks the closest candidate within two edits', () => {
    expect(closestMatch('servr', ['serve', 'server'])).toBe('serve');
    expect(closestMatch('stauts', ['status', 'trials'])).toBe('status');
    expect(closestMatch('deploy', ['drift', 'models'])).toBeNull();
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
