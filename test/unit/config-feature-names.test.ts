import { describe, expect, it } from 'vitest';
import { ConfigError, parseModelConfig } from '../../src/config';

function configWithFeature(name: string): string {
  return JSON.stringify({ model: 'm', task: 'regression', label: 'y', features: [{ name: 'ok', kind: 'numeric' }, { name, kind: 'numeric' }] });
}

function issuesFor(name: string): Array<{ path: string; message: string }> {
  try {
    parseModelConfig(configWithFeature(name), 'names.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('feature names', () => {
  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    'refuses %j, a member every object has, naming the feature',
    (name) => {
      expect(issuesFor(name)).toEqual([{
        path: 'features[1].name',
        message: `${JSON.stringify(name)} cannot be a feature name: every JavaScript object has a member of that name; rename the column`,
      }]);
    },
  );

  it.each(['tab\there', 'line\nbreak', 'nul\u0000', 'escape\u001b[31m', 'del\u007f', 'c1\u0085'])('refuses %j, which holds a control character', (name) => {
    expect(issuesFor(name)).toEqual([{
      path: 'features[1].name',
      message: `${JSON.stringify(name)} cannot be a feature name: it contains a control character`,
    }]);
  });

  it('accepts names that only look alike, and any printable text', () => {
    for (const name of ['proto', '__proto', 'Constructor', 'to_string', 'température', '<!channel>', 'a b']) {
      expect(issuesFor(name), name).toEqual([]);
    }
  });
});
