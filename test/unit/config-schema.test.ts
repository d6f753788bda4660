import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MODEL_CONFIG_SCHEMA_FILE, modelConfigJsonSchema } from '../../src/config-schema';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'seattle-weather.yaml');

describe('the model config JSON Schema', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(modelConfigJsonSchema());

  it('is the committed schemas/model-config.schema.json: regenerate it with `driftwatch config schema` after a config change', () => {
    expect(JSON.parse(readFileSync(path.join(ROOT, MODEL_CONFIG_SCHEMA_FILE), 'utf8'))).toEqual(modelConfigJsonSchema());
  });

  it('accepts the example config, which points editors at it', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=../${MODEL_CONFIG_SCHEMA_FILE}`);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses a misspelled key and a value outside an enum, naming where', () => {
    const config = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
    expect(validate({ ...config, treshold: 0.1 })).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'treshold' } })]));
    expect(validate({ ...config, task: 'clustering' })).toBe(false);
    expect(validate.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath: '/task', keyword: 'enum' })]));
  });
});
