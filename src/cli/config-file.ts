import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Fills a command's options from a JSON object file (`--config run.json`): keys are long option names, in
 * kebab-case ("batch-size") or camelCase ("batchSize"); values are JSON strings, numbers, booleans or arrays
 * (joined with commas, e.g. "elastic": [34, 4]). Each value goes through the option's own parser, so it is
 * checked exactly as on the command line. Options given on the command line win.
 */
export function applyConfigFile(command: Command, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new UsageError(`${file}: the config must be a JSON object of option names and values`);
  for (const [key, value] of Object.entries(config)) {
    const option = command.options.find(
      (o) => o.long === `--${key}` || o.attributeName() === key || o.long === `--no-${key}`,
    );
    if (!option || key === 'config') throw new UsageError(`${file}: unknown option "${key}"`);
    const name = option.attributeName();
    if (command.getOptionValueSource(name) === 'cli') continue;
    let parsed: unknown;
    if (option.negate || (!option.required && !option.optional)) {
      // A flag: true / false.
      if (typeof value !== 'boolean') throw new UsageError(`${file}: "${key}" must be true or false`);
      parsed = option.negate && option.long === `--${key}` ? !value : value;
    } else {
      if (!['string', 'number'].includes(typeof value) && !Array.isArray(value))
        throw new UsageError(`${file}: "${key}" must be a string, number or array`);
      const raw = Array.isArray(value) ? value.join(',') : String(value);
      try {
        parsed = option.parseArg ? option.parseArg(raw, undefined as never) : raw;
      } catch (e) {
        throw new UsageError(`${file}: "${key}": ${(e as Error).message}`);
      }
    }
    command.setOptionValueWithSource(name, parsed, 'config');
  }
}
