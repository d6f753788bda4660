/**
 * The model config's JSON Schema, generated from the zod schema that parses config files, for editors
 * (the YAML language server reads `# yaml-language-server: $schema=...`) and other tools. It describes
 * what a file may say, with every defaulted key optional. Checks that only code can make (durations and
 * cron expressions, rules across keys) are plain strings or absent there, so a file the schema accepts
 * can still be refused by `models register`, which names the field.
 */
import { z } from 'zod';
import { modelFileSchema } from './config';

/** Where the generated schema is kept, relative to the repository root; a test holds it to the code. */
export const MODEL_CONFIG_SCHEMA_FILE = 'schemas/model-config.schema.json';

export function modelConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(modelFileSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'driftwatch model config',
    description: 'A driftwatch model: its features, label, drift tests, monitoring, retraining, promotion and alert routes. See README.md, "Configuration reference".',
  };
}
