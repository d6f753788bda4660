// Search spaces come from user configuration, so validation checks the runtime shape too,
// not just what the types promise. Workflow code imports this: keep it free of Node modules.

export type ParameterSpec =
  | { type: 'float'; min: number; max: number; log?: boolean }
  | { type: 'int'; min: number; max: number; log?: boolean }
  | { type: 'categorical'; choices: (string | number | boolean)[] };
export type SearchSpace = Record<string, ParameterSpec>;
export type ParameterValues = Record<string, string | number | boolean>;

export class SearchSpaceError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`search space parameter "${parameter}": ${message}`);
    this.name = 'SearchSpaceError';
  }
}

export function validateSearchSpace(space: SearchSpace): void {
  for (const [parameter, spec] of Object.entries(space)) {
    validateParameter(parameter, spec);
  }
}

function validateParameter(parameter: string, spec: unknown): void {
  const fail = (message: string): never => {
    throw new SearchSpaceError(parameter, message);
  };
  if (parameter === '') fail('parameter names must not be empty');
  if (typeof spec !== 'object' || spec === null) return fail('spec must be an object');
  const { type } = spec as { type?: unknown };
  switch (type) {
    case 'float':
    case 'int': {
      const { min, max, log } = spec as { min?: unknown; max?: unknown; log?: unknown };
      if (typeof min !== 'number' || !Number.isFinite(min)) return fail(`min must be a finite number, got ${String(min)}`);
      if (typeof max !== 'number' || !Number.isFinite(max)) return fail(`max must be a finite number, got ${String(max)}`);
      if (type === 'int' && !(Number.isSafeInteger(min) && Number.isSafeInteger(max))) {
        fail(`int bounds must be integers, got min ${min} and max ${max}`);
      }
      if (!(min < max)) fail(`min (${min}) must be less than max (${max})`);
      if (log !== undefined && typeof log !== 'boolean') fail('log must be true or false');
      if (log === true && min <= 0) fail(`a log scale needs min > 0, got ${min}`);
      return;
    }
    case 'categorical': {
      const { choices } = spec as { choices?: unknown };
      if (!Array.isArray(choices) || choices.length === 0) return fail('choices must be a non-empty array');
      const seen = new Set<unknown>();
      for (const choice of choices as unknown[]) {
        const isChoice =
          typeof choice === 'string' ||
          typeof choice === 'boolean' ||
          (typeof choice === 'number' && Number.isFinite(choice));
        if (!isChoice) fail(`choices must be strings, finite numbers or booleans, got ${JSON.stringify(choice)}`);
        if (seen.has(choice)) fail(`choice ${JSON.stringify(choice)} appears more than once`);
        seen.add(choice);
      }
      return;
    }
    default:
      fail(`type must be "float", "int" or "categorical", got ${JSON.stringify(type)}`);
  }
}
