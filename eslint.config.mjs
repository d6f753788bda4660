// ESLint flat config: typescript-eslint's recommended rules, a few type-aware promise rules, and
// the import boundary that keeps workflow code deterministic.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const SANDBOX =
  'Temporal bundles workflows/ into a deterministic sandbox (no I/O, no clock, no randomness outside the SDK); ' +
  'the bundle fails or replays diverge when workflow code reaches non-deterministic modules.';

/** Imports that are wrong in any code the workflow bundle can reach (workflows/ and the pure src modules). */
const nonDeterministicPackages = [
  {
    // Every Node builtin, bare (fs, fs/promises, path, child_process, crypto, os, http, ...) or node:-prefixed.
    regex: `^(?:node:|(?:${builtinModules.map(escapeRegex).join('|')})(?:/|$))`,
    message: `Node builtins are not available in workflow code. ${SANDBOX} Do the work in an activity.`,
    allowTypeImports: true,
  },
  {
    regex: '^pg(?:-[^/]*)?(?:/|$)',
    message: `No database access from workflow code. ${SANDBOX} Query PostgreSQL in an activity.`,
    allowTypeImports: true,
  },
  {
    regex: '^@tensorflow/',
    message: `TensorFlow.js is native/non-deterministic. ${SANDBOX} Train in a training activity.`,
    allowTypeImports: true,
  },
  {
    regex: '^(?:prom-client|pino)(?:/|$)',
    message: `Metrics and logs belong to the process, not to replayed code. ${SANDBOX} Record metrics in an activity (src/observability); log with the SDK's \`log\`.`,
    allowTypeImports: true,
  },
  {
    regex: '^@temporalio/(?:worker|client|activity|testing)(?:/|$)',
    message: `Workflow code may use only @temporalio/workflow and @temporalio/common. ${SANDBOX}`,
    allowTypeImports: true,
  },
];

/** Relative imports out of workflows/ (workflow files are flat in workflows/, so `../x` is the project root). */
const workflowRelativeImports = [
  {
    regex: '^(?:\\.\\./)+(?!\\.\\./)activities(?:/|$)',
    message:
      `Activities run outside the sandbox and pull in pg/TensorFlow. ${SANDBOX} ` +
      'Use `import type` and call them through proxyActivities().',
    allowTypeImports: true,
  },
  {
    // Allowed for values: src/policy/**, src/tuning/**, src/metrics, src/number-format, src/drift/types. Everything
    // else in src/ (e.g. src/alerts/payload) is type-only from workflow code.
    regex: '^(?:\\.\\./)+(?!\\.\\./)src(?:/|$)(?!(?:policy|tuning)(?:/|$)|metrics$|number-format$|drift/types$)',
    message:
      `Only the deterministic src modules (src/policy, src/tuning, src/metrics, src/number-format, src/drift/types) may be imported ` +
      `by workflow code; anything else only with \`import type\`. ${SANDBOX}`,
    allowTypeImports: true,
  },
  {
    regex: '^(?:\\.\\./)+(?!\\.\\./)(?!src(?:/|$)|activities(?:/|$))',
    message: `Workflow code may import only from workflows/ and the deterministic src modules. ${SANDBOX}`,
    allowTypeImports: true,
  },
];

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', '.tools/', '.driftwatch/', 'coverage/']),
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        // Type information for the type-aware rules below; uses tsconfig.json.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The workflow sandbox boundary.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [...nonDeterministicPackages, ...workflowRelativeImports] },
      ],
    },
  },
  {
    // The src modules workflows import end up in the same bundle: keep them pure too.
    files: [
      'src/policy/**/*.ts',
      'src/tuning/**/*.ts',
      'src/metrics.ts',
      'src/number-format.ts',
      'src/drift/types.ts',
      'src/alerts/payload.ts',
    ],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: nonDeterministicPackages }],
    },
  },
);
